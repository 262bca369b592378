"""Dive into Deep Learning style, dropout and weight decay: a dropout layer by hand, nn.Dropout, an L2 penalty, per-group weight decay."""
# imports
import torch
from torch import nn
from torch.utils import data
# end imports

torch.manual_seed(0)


def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1:
        return torch.zeros_like(X)
    if dropout == 0:
        return X
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
report("dropout 0", dropout_layer(X, 0.0).tolist())
report("dropout 1", dropout_layer(X, 1.0).tolist())
half = dropout_layer(X, 0.5)
report("dropout 0.5 keeps or doubles", bool(((half == 0) | (half == 2 * X)).all()))


class Net(nn.Module):
    def __init__(self, num_inputs, num_outputs, num_hiddens1, num_hiddens2, is_training=True):
        super().__init__()
        self.num_inputs = num_inputs
        self.training = is_training
        self.lin1 = nn.Linear(num_inputs, num_hiddens1)
        self.lin2 = nn.Linear(num_hiddens1, num_hiddens2)
        self.lin3 = nn.Linear(num_hiddens2, num_outputs)
        self.relu = nn.ReLU()

    def forward(self, X):
        H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
        if self.training:
            H1 = dropout_layer(H1, 0.2)
        H2 = self.relu(self.lin2(H1))
        if self.training:
            H2 = dropout_layer(H2, 0.5)
        return self.lin3(H2)


net = Net(20, 3, 16, 8)
report("scratch dropout net", list(net(torch.ones(4, 20)).shape))
concise = nn.Sequential(nn.Flatten(), nn.Linear(20, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
concise.eval()
report("eval is deterministic", torch.equal(concise(torch.ones(4, 20)), concise(torch.ones(4, 20))))

n_train, n_test, num_inputs, batch_size = 20, 100, 200, 5
true_w, true_b = torch.ones((num_inputs, 1)) * 0.01, 0.05


def synthetic_data(w, b, num_examples):
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))


train_data = synthetic_data(true_w, true_b, n_train)
train_iter = data.DataLoader(data.TensorDataset(*train_data), batch_size, shuffle=True)


def init_params():
    w = torch.normal(0, 1, size=(num_inputs, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    return [w, b]


def l2_penalty(w):
    return torch.sum(w.pow(2)) / 2


def train(lambd):
    w, b = init_params()
    for epoch in range(50):
        for X, y in train_iter:
            l = (torch.matmul(X, w) + b - y.reshape(-1, 1)) ** 2 / 2 + lambd * l2_penalty(w)
            l.sum().backward()
            with torch.no_grad():
                for param in (w, b):
                    param -= 0.003 * param.grad / batch_size
                    param.grad.zero_()
    print("L2 norm of w:", torch.norm(w).item())
    return torch.norm(w).item(), w.norm().item()


no_decay, _ = train(0)
with_decay, same = train(3)
report("decay shrinks the weights", with_decay < no_decay / 2)
report("norm two ways", with_decay == same)


def train_concise(wd):
    net = nn.Sequential(nn.Linear(num_inputs, 1))
    for param in net.parameters():
        param.data.normal_()
    loss = nn.MSELoss(reduction="none")
    trainer = torch.optim.SGD([{"params": net[0].weight, "weight_decay": wd}, {"params": net[0].bias}], lr=0.003)
    for epoch in range(50):
        for X, y in train_iter:
            trainer.zero_grad()
            l = loss(net(X), y)
            l.mean().backward()
            trainer.step()
    return net[0].weight.norm().item()


report("concise decay shrinks the weights", train_concise(3) < train_concise(0) / 2)
report("linalg.norm agrees", abs(torch.linalg.norm(torch.tensor([3.0, 4.0])).item() - 5.0) < 1e-6)
