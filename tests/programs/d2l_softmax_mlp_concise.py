"""Dive into Deep Learning style, concise softmax regression and MLPs: Sequential, init through apply, per-sample losses."""
# imports
import torch
from torch import nn
from torch.utils import data
import torchvision
from torchvision import transforms
# end imports

torch.manual_seed(0)
trans = transforms.ToTensor()
mnist_train = torchvision.datasets.FashionMNIST(root="../data", train=True, transform=trans, download=True)
mnist_test = torchvision.datasets.FashionMNIST(root="../data", train=False, transform=trans, download=True)
train_iter = data.DataLoader(data.Subset(mnist_train, range(2000)), 128, shuffle=True)
test_iter = data.DataLoader(data.Subset(mnist_test, range(1000)), 256)


def init_weights(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


def accuracy(y_hat, y):
    return float((y_hat.argmax(axis=1).type(y.dtype) == y).type(y.dtype).sum())


def train(net, loss, trainer, num_epochs):
    for epoch in range(num_epochs):
        net.train()
        for X, y in train_iter:
            l = loss(net(X), y)
            trainer.zero_grad()
            l.mean().backward()
            trainer.step()
    net.eval()
    with torch.no_grad():
        correct = sum(accuracy(net(X), y) for X, y in test_iter)
    return correct / 1000


net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
net.apply(init_weights)
loss = nn.CrossEntropyLoss(reduction="none")
trainer = torch.optim.SGD(net.parameters(), lr=0.1)
report("softmax regression accuracy", train(net, loss, trainer, 2), tolerance=0.1)
report("per-sample losses", list(loss(net(next(iter(test_iter))[0]), next(iter(test_iter))[1]).shape))

num_inputs, num_outputs, num_hiddens = 784, 10, 256
W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens, requires_grad=True) * 0.01)
b1 = nn.Parameter(torch.zeros(num_hiddens, requires_grad=True))
W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs, requires_grad=True) * 0.01)
b2 = nn.Parameter(torch.zeros(num_outputs, requires_grad=True))
params = [W1, b1, W2, b2]


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


report("relu by hand", relu(torch.tensor([[-1.0, 0.5], [2.0, -0.0]])).tolist())


class ScratchMLP(nn.Module):
    def forward(self, X):
        X = X.reshape((-1, num_inputs))
        H = relu(X @ W1 + b1)
        return H @ W2 + b2


updater = torch.optim.SGD(params, lr=0.3)
report("MLP from scratch accuracy", train(ScratchMLP(), loss, updater, 5), tolerance=0.1)

net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
net.apply(init_weights)
trainer = torch.optim.SGD(net.parameters(), lr=0.3)
report("concise MLP accuracy", train(net, loss, trainer, 5), tolerance=0.1)
