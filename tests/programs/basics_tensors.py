"""Learn the Basics, tensors: making them, their attributes, indexing, joining, arithmetic, the NumPy bridge."""
# imports
import numpy as np
import torch
# end imports

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
x_np = torch.from_numpy(np.array(data))
x_ones = torch.ones_like(x_data)
x_rand = torch.rand_like(x_data, dtype=torch.float)
report("from data", x_data.tolist())
report("from numpy dtype", str(x_np.dtype).split(".")[-1])
report("ones_like", x_ones.tolist())
report("rand_like", [list(x_rand.shape), str(x_rand.dtype).split(".")[-1], bool(((x_rand >= 0) & (x_rand < 1)).all())])

shape = (2, 3,)
report("shapes", [list(torch.rand(shape).shape), torch.ones(shape).tolist(), torch.zeros(shape).tolist()])

tensor = torch.rand(3, 4)
report("attributes", [list(tensor.shape), str(tensor.dtype), str(tensor.device)])
if torch.accelerator.is_available():
    tensor = tensor.to(torch.accelerator.current_accelerator())

tensor = torch.ones(4, 4)
report("first row", tensor[0].tolist())
report("first column", tensor[:, 0].tolist())
report("last column", tensor[..., -1].tolist())
tensor[:, 1] = 0
report("assigned", tensor.tolist())
t1 = torch.cat([tensor, tensor, tensor], dim=1)
report("cat", t1.tolist())

tensor = torch.arange(16, dtype=torch.float32).reshape(4, 4) / 4
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
z1 = tensor * tensor
z2 = tensor.mul(tensor)
z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)
report("matmul three ways", [y1.tolist(), y2.tolist(), y3.tolist()])
report("mul three ways", [z1.tolist(), z2.tolist(), z3.tolist()])

agg = tensor.sum()
agg_item = agg.item()
report("sum item", [agg_item, type(agg_item).__name__])
print(f"{tensor} \n")
tensor.add_(5)
report("add_", tensor.tolist())
report("printed", f"{tensor}")

t = torch.ones(5)
n = t.numpy()
t.add_(1)
report("numpy shares memory", n.tolist())
n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
report("from_numpy shares memory", t.tolist())
report("format spec", f"{torch.tensor(2.0) / 3:>10.4f}|{agg:f}")
