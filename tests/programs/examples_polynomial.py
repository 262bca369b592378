"""Learning PyTorch with Examples: a third-order polynomial fitted to sin(x), six ways.

Tensors and autograd, a function with a backward of its own (the Legendre polynomial), nn,
optim (RMSprop), a custom nn.Module, and a network whose depth is drawn at random.
"""
# imports
import math
import random

import torch
# end imports

torch.manual_seed(0)
random.seed(0)
x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
report("sin", [y[0].item(), y[500].item(), y[1999].item()])

# Tensors and autograd: the gradients come from backward(), the update is written by hand.
a, b, c, d = (torch.randn((), requires_grad=True) for _ in range(4))
learning_rate = 1e-6
for t in range(2000):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        for weight in (a, b, c, d):
            weight -= learning_rate * weight.grad
            weight.grad = None
report("autograd loss", loss.item(), tolerance=10.0)  # random starting points; it starts in the thousands


# A function with a backward of its own: y = a + b·P3(c + d·x), P3 the Legendre polynomial.
class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


a = torch.full((), 0.0, requires_grad=True)
b = torch.full((), -1.0, requires_grad=True)
c = torch.full((), 0.0, requires_grad=True)
d = torch.full((), 0.3, requires_grad=True)
learning_rate = 5e-6
for t in range(2000):
    y_pred = a + b * LegendrePolynomial3.apply(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        for weight in (a, b, c, d):
            weight -= learning_rate * weight.grad
            weight.grad = None
report("legendre loss", loss.item(), tolerance=1e-3)
report("legendre weights", [a.item(), b.item(), c.item(), d.item()], tolerance=1e-4)

# nn: the powers x, x², x³ as three features, a Linear layer, and a flatten to one number per point.
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
report("features", [list(xx.shape), str(xx.dtype), xx[0].tolist()])
model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
loss_fn = torch.nn.MSELoss(reduction="sum")
learning_rate = 1e-6
for t in range(2000):
    loss = loss_fn(model(xx), y)
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad
report("nn loss", loss.item(), tolerance=10.0)

# optim: RMSprop does the update.
model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
for t in range(2000):
    loss = loss_fn(model(xx), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
report("rmsprop loss", loss.item(), tolerance=10.0)


# A custom nn.Module, and one that draws its depth at random, reusing the same weight.
class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c, self.d = (torch.nn.Parameter(torch.randn(())) for _ in range(4))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3


class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c, self.d, self.e = (torch.nn.Parameter(torch.randn(())) for _ in range(5))

    def forward(self, x):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y


for name, model, lr, steps in (("module", Polynomial3(), 1e-6, 500), ("dynamic", DynamicNet(), 1e-8, 500)):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for t in range(steps):
        loss = torch.nn.MSELoss(reduction="sum")(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    report(f"{name} parameters", len(list(model.parameters())))
    report(f"{name} loss finite", math.isfinite(loss.item()))
