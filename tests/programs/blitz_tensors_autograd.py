"""The 60-minute blitz, tensors and autograd: new_ones, randn_like, out=, in-place ops, views, a vector-Jacobian product."""
# imports
import numpy as np
import torch
# end imports

x = torch.empty(5, 3)
report("empty", list(x.shape))
x = torch.zeros(5, 3, dtype=torch.long)
report("zeros long", [x.tolist(), str(x.dtype)])
x = torch.tensor([5.5, 3])
x = x.new_ones(5, 3, dtype=torch.double)
report("new_ones", [x.tolist(), str(x.dtype)])
x = torch.randn_like(x, dtype=torch.float)
report("randn_like", [list(x.size()), str(x.dtype)])

x = torch.arange(15.0).reshape(5, 3) / 7
y = torch.linspace(-1, 1, 15).reshape(5, 3)
result = torch.empty(5, 3)
torch.add(x, y, out=result)
report("add out", result.tolist())
y.add_(x)
report("add_", y.tolist())
report("a column", x[:, 1].tolist())
x = torch.arange(16.0).reshape(4, 4)
y = x.view(16)
z = x.view(-1, 8)
report("views", [list(x.size()), list(y.size()), list(z.size())])
x = torch.tensor([0.25])
report("item", x.item())
a = torch.ones(5)
b = a.numpy()
a.add_(1)
report("numpy bridge", b.tolist())
a = np.ones(5)
b = torch.from_numpy(a)
np.add(a, 1, out=a)
report("from_numpy bridge", b.tolist())

a = torch.tensor([2.0, 3.0], requires_grad=True)
b = torch.tensor([6.0, 4.0], requires_grad=True)
Q = 3 * a**3 - b**2
external_grad = torch.tensor([1.0, 1.0])
Q.backward(gradient=external_grad)
report("dQ/da", [(9 * a**2 == a.grad).tolist(), a.grad.tolist()])
report("dQ/db", [(-2 * b == b.grad).tolist(), b.grad.tolist()])

x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)
report("requires_grad flows", [(x + y).requires_grad, (x + z).requires_grad])
