"""`pydl run NAME --help` tells the truth: for every installed recipe (pydl's own and the plugins'), the default
that the help shows for each option is the value the parser gives the recipe, and the value a run then trains with
(a spy on the training call stops each run before any training)."""
import argparse
import importlib
import re

import pytest

import pydl
from pydl.cli import main
from pydl.plugins.recipe_args import build_parser


def _installed():
    """{name: (help, arguments)} of the registered recipes, plus pydl's own when no pydl distribution registers
    them (a source checkout)."""
    found = {e.name: (e.help, e.arguments) for e in pydl.registry.recipes.entries()}
    core = importlib.import_module("pydl.recipes")
    for name in core.RECIPES:
        module = importlib.import_module(f"pydl.recipes.{name}")
        found.setdefault(name, (module.__doc__, module.add_arguments))
    return found


RECIPES = _installed()

# values from the recipes' docstrings and the book, written out so that a default moved by mistake is seen
KNOWN = {
    "vision.lenet5": dict(epochs=10, batch_size=128),
    "vision.alexnet": dict(epochs=8, batch_size=64, image_size=64, limit=4000),
    "vision.vggnet": dict(epochs=5, batch_size=32, image_size=32),
    "vision.resnet": dict(epochs=5, batch_size=32, depth=18),
    "vision.transfer": dict(epochs=30, batch_size=16, base_epochs=10, shots=5),
    "vision.detect": dict(epochs=10, batch_size=32, image_size=48, limit=2500, lr=0.003, score_threshold=0.5),
    "vision.segment": dict(epochs=8, batch_size=32, image_size=32, limit=2000, upsampling="transpose"),
    "nlp.dense": dict(epochs=4, batch_size=128), "nlp.rnn": dict(epochs=16, batch_size=128),
    "nlp.bilstm": dict(epochs=6, batch_size=128), "nlp.word2vec": dict(epochs=5, window=10),
    "gan.quickdraw": dict(steps=2000, batch_size=128), "gan.dcgan": dict(steps=1000, batch_size=128),
    "rl.dqn_book": dict(episodes=1000), "rl.dqn": dict(episodes=400), "rl.a2c": dict(episodes=1500),
    "shallow_net": dict(epochs=200, batch_size=128),
}


def _parser(name):
    help, arguments = RECIPES[name]
    return build_parser(name, help, arguments)


def _shown_help(name, capsys, monkeypatch):
    """{--option: its help text} as `pydl run NAME --help` prints it (the parser's own when pydl's recipes are not
    registered)."""
    monkeypatch.setenv("COLUMNS", "400")   # one line per option (argparse wraps at $COLUMNS)
    if name in pydl.registry.recipes:
        with pytest.raises(SystemExit) as e:
            main(["run", name, "--help"])
        assert e.value.code == 0
        text = capsys.readouterr().out
    else:
        text = _parser(name).format_help()
    entries, current = {}, None
    for line in text.splitlines():
        m = re.match(r"  (-\S+?)(?:[ ,]|$)(.*)", line)
        if m:
            current = m.group(1)
            entries[current] = m.group(2)
        elif current and line.startswith("    "):
            entries[current] += " " + line.strip()
        else:
            current = None
    return {k: " ".join(v.split()) for k, v in entries.items()}


def _stated(text):
    """The defaults a help text states: "(default: V)", "(default V, why)" or "V (default)"."""
    return [s.split(",")[0].strip() for s in re.findall(r"\(default:? ([^)]*)\)", text)] + \
        re.findall(r"(\S+) \(default\)", text)


def _number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_help_shows_the_defaults_the_parser_gives_the_recipe(name, capsys, monkeypatch):
    parser = _parser(name)
    given = vars(parser.parse_args([]))      # what run(args) receives when no option is given
    shown = _shown_help(name, capsys, monkeypatch)
    for action in parser._actions:
        if not action.option_strings or action.nargs == 0:
            continue                           # --help and flags
        text = shown[action.option_strings[0]]
        stated = _stated(text)
        if action.default == argparse.SUPPRESS:   # a common option the recipe does not use
            assert "not used by this recipe" in text and action.dest not in given, (name, text)
        elif action.default is None:
            assert not any(_number(s) for s in stated), (name, text)   # "all", "the recipe's", never a number
        else:
            assert stated and set(stated) == {str(action.default)}, (name, action.dest, text)
            assert given[action.dest] == action.default
    if "." in name:   # a plugin's recipe never leaves its epochs or batch size to "the recipe's" (hidden)
        for dest in ("epochs", "batch_size"):
            assert "the recipe's" not in shown[f"--{dest.replace('_', '-')}"], name
    for dest, value in KNOWN.get(name, {}).items():
        assert given[dest] == value and f"(default: {value})" in shown[f"--{dest.replace('_', '-')}"], (name, dest)


def test_every_known_recipe_of_an_installed_plugin_is_checked():
    plugins = {n.split(".")[0] for n in RECIPES if "." in n}
    assert {n for n in KNOWN if "." not in n or n.split(".")[0] in plugins} <= set(RECIPES)
    assert set(SPIED) <= set(KNOWN)


def test_an_unused_common_option_is_a_usage_error(capsys, monkeypatch):
    if "rl.dqn" not in pydl.registry.recipes:
        pytest.skip("pydl-rl is not installed")
    monkeypatch.setattr("pydl_rl.recipes.agents.run_episodes", _spy)   # refused before it gets there
    assert main(["run", "rl.dqn", "--epochs", "3"]) == 2
    assert capsys.readouterr().err == "pydl: run rl.dqn: --epochs is not used by this recipe (see --help)\n"


class _Seen(Exception):
    """Raised by a spy on the training call: the run stops there, with what it was about to train with."""


def _spy(*args, **kwargs):
    raise _Seen(args, kwargs)


def _gan_stubs(monkeypatch):
    """The GAN recipes score samples with a classifier trained on first use: not needed to see the steps."""
    monkeypatch.setattr("pydl_gan.recipes.gan.cached_classifier", lambda: None)
    monkeypatch.setattr("pydl_gan.recipes.gan.Scorer", lambda *a: None)


# recipe: (options that keep it small, what to spy on, {option: how to read it from the spied call}, extra setup)
FIT = "pydl.models.Model.fit"
FIT_READS = {"epochs": lambda a, kw: kw["epochs"], "batch_size": lambda a, kw: kw["batch_size"]}
SPIED = {
    "vision.lenet5": (["--data", "mnist-subset", "--limit", "64"], FIT, FIT_READS, None),
    "vision.alexnet": (["--limit", "16"], FIT, FIT_READS, None),
    "vision.vggnet": (["--limit", "16"], FIT, FIT_READS, None),
    "vision.resnet": (["--limit", "16"], FIT, FIT_READS, None),
    "vision.detect": (["--limit", "16", "--image-size", "16"], FIT, FIT_READS, None),
    "vision.segment": (["--limit", "16", "--image-size", "16"], FIT, FIT_READS, None),
    "nlp.rnn": (["--data", "generated", "--limit", "32"], FIT, FIT_READS, None),
    "nlp.dense": (["--data", "generated", "--limit", "32"], FIT, FIT_READS, None),
    "nlp.word2vec": (["--limit", "20"], "pydl_nlp.recipes.word2vec.Word2Vec", {"epochs": lambda a, kw: kw["epochs"]},
                     None),
    "gan.dcgan": (["--data", "mnist", "--limit", "64"], "pydl_gan.trainer.GANTrainer.train",
                  {"steps": lambda a, kw: a[2], "batch_size": lambda a, kw: kw["batch_size"]}, _gan_stubs),
    "rl.dqn": ([], "pydl_rl.recipes.agents.run_episodes", {"episodes": lambda a, kw: a[2]}, None),
    "rl.a2c": ([], "pydl_rl.recipes.agents.run_a2c", {"episodes": lambda a, kw: a[2]}, None),
}


@pytest.mark.parametrize("name", sorted(SPIED))
def test_a_run_trains_with_the_defaults_its_help_shows(name, capsys, monkeypatch, tmp_path):
    if name not in pydl.registry.recipes:
        pytest.skip(f"{name} is not installed")
    argv, target, reads, setup = SPIED[name]
    monkeypatch.setenv("PYDL_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(target, _spy)
    if setup:
        setup(monkeypatch)
    given = vars(_parser(name).parse_args(argv))
    with pytest.raises(_Seen) as seen:
        main(["run", name, "--verbose", "0"] + argv)
    args, kwargs = seen.value.args
    used = {dest: read(args, kwargs) for dest, read in reads.items()}
    assert used == {dest: given[dest] for dest in reads}
    assert {dest: used[dest] for dest in KNOWN[name] if dest in used} == \
        {dest: value for dest, value in KNOWN[name].items() if dest in used} != {}
