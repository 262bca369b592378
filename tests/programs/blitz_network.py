"""The 60-minute blitz, neural networks: define a network, parameters, backward with random gradients, a loss, updates by hand and with an optimizer."""
# imports
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
# end imports


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(32 * 32, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


torch.manual_seed(0)
net = Net()
print(net)
params = list(net.parameters())
report("parameters", [len(params), list(params[0].size())])
input = torch.randn(1, 1, 32, 32)
out = net(input)
report("output", list(out.shape))
net.zero_grad()
out.backward(torch.randn(1, 10))
report("grads after backward", all(p.grad is not None for p in net.parameters()))

output = net(input)
target = torch.randn(10)
target = target.view(1, -1)
criterion = nn.MSELoss()
loss = criterion(output, target)
report("loss grad_fn", str(loss.grad_fn).split()[0].lstrip("<"))
net.zero_grad()
report("fc1.bias.grad before backward", net.fc1.bias.grad)
loss.backward()
report("fc1.bias.grad after backward", list(net.fc1.bias.grad.shape))

learning_rate = 0.01
before = loss.item()
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)
report("manual step lowers the loss", criterion(net(input), target).item() < before)

optimizer = optim.SGD(net.parameters(), lr=0.01)
losses = []
for step in range(20):
    optimizer.zero_grad()
    output = net(input)
    loss = criterion(output, target)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
report("optimizer lowers the loss", losses[-1] < losses[0] / 2)
