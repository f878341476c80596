"""The PyTorch side of the model benchmarks: one epoch the way a PyTorch user writes it."""


def train_epoch(model, optimizer, xt, labels, batch, loss_of):
    """One pass over xt in order; loss_of(out, s) is the loss of the batch starting at s. Reads the loss and the
    accuracy of every step (fit() reports both). Returns the epoch's mean loss."""
    total = correct = 0.0
    for s in range(0, len(xt), batch):
        xb = xt[s:s + batch]
        optimizer.zero_grad(set_to_none=True)
        out = model(xb)
        loss = loss_of(out, s)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
        correct += (out.argmax(dim=1) == labels[s:s + batch]).sum().item()
    return total / len(xt)
