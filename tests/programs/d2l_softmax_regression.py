"""Dive into Deep Learning style, softmax regression from scratch: softmax by hand, cross-entropy by picking with a range, accuracy."""
# imports
import torch
from torch.utils import data
import torchvision
from torchvision import transforms
# end imports

torch.manual_seed(0)


def load_data_fashion_mnist(batch_size, train_size, test_size):
    trans = transforms.ToTensor()
    mnist_train = torchvision.datasets.FashionMNIST(root="../data", train=True, transform=trans, download=True)
    mnist_test = torchvision.datasets.FashionMNIST(root="../data", train=False, transform=trans, download=True)
    return (data.DataLoader(data.Subset(mnist_train, range(train_size)), batch_size, shuffle=True),
            data.DataLoader(data.Subset(mnist_test, range(test_size)), batch_size, shuffle=False))


batch_size = 128
train_iter, test_iter = load_data_fashion_mnist(batch_size, 2000, 1000)
num_inputs = 784
num_outputs = 10
W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
b = torch.zeros(num_outputs, requires_grad=True)

X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
report("sums", [X.sum(0, keepdim=True).tolist(), X.sum(1, keepdim=True).tolist()])


def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition


X = torch.arange(10.0).reshape(2, 5) / 5
X_prob = softmax(X)
report("softmax", [X_prob.tolist(), X_prob.sum(1).tolist()])


def net(X):
    return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)


y = torch.tensor([0, 2])
y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
report("picked", y_hat[[0, 1], y].tolist())


def cross_entropy(y_hat, y):
    return -torch.log(y_hat[range(len(y_hat)), y])


report("cross-entropy", cross_entropy(y_hat, y).tolist())


def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


report("accuracy of two", accuracy(y_hat, y) / len(y))


class Accumulator:
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def __getitem__(self, idx):
        return self.data[idx]


def evaluate_accuracy(net, data_iter):
    if isinstance(net, torch.nn.Module):
        net.eval()
    metric = Accumulator(2)
    with torch.no_grad():
        for X, y in data_iter:
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def train_epoch(net, train_iter, loss, updater):
    metric = Accumulator(3)
    for X, y in train_iter:
        y_hat = net(X)
        l = loss(y_hat, y)
        l.sum().backward()
        updater(X.shape[0])
        metric.add(float(l.sum()), accuracy(y_hat, y), y.numel())
    return metric[0] / metric[2], metric[1] / metric[2]


lr = 0.1
for epoch in range(3):
    train_loss, train_acc = train_epoch(net, train_iter, cross_entropy, lambda n: sgd([W, b], lr, n))
    test_acc = evaluate_accuracy(net, test_iter)
    print(f"epoch {epoch + 1}: loss {train_loss:.3f}, train acc {train_acc:.3f}, test acc {test_acc:.3f}")
report("test accuracy", test_acc, tolerance=0.1)
report("train loss", train_loss, tolerance=0.15)
text_labels = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"]
for X, y in test_iter:
    break
trues = [text_labels[int(i)] for i in y]
preds = [text_labels[int(i)] for i in net(X).argmax(axis=1)]
report("labels", trues[:6])
report("most predictions right", sum(t == p for t, p in zip(trues, preds)) > len(trues) / 2)
