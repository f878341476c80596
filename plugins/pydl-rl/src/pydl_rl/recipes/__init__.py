"""The chapter 13 recipes: rl.dqn_book, rl.dqn, rl.double_dqn, rl.reinforce, rl.a2c (see agents.SPECS)."""
