"""Learn the Basics, building the model and autograd: a device, layers one by one, a Jacobian-vector product."""
# imports
import torch
from torch import nn
# end imports

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
report("device", device)


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork().to(device)
report("model", str(model))
X = torch.rand(1, 28, 28, device=device)
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
report("prediction", [list(logits.shape), round(pred_probab.sum().item(), 5), y_pred.shape[0]])

input_image = torch.linspace(0, 1, 3 * 28 * 28).reshape(3, 28, 28)
flatten = nn.Flatten()
flat_image = flatten(input_image)
layer1 = nn.Linear(in_features=28 * 28, out_features=20)
with torch.no_grad():
    layer1.weight.copy_(torch.linspace(-0.05, 0.05, 20 * 784).reshape(20, 784))
    layer1.bias.fill_(0.01)
hidden1 = layer1(flat_image)
hidden1 = nn.ReLU()(hidden1)
report("hidden after ReLU", hidden1.tolist())
seq_modules = nn.Sequential(flatten, layer1, nn.ReLU(), nn.Linear(20, 10))
report("sequential output", list(seq_modules(input_image).shape))
report("parameters", [(name, list(param.size())) for name, param in model.named_parameters()])
for name, param in model.named_parameters():
    print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n")

x = torch.ones(5)
y = torch.zeros(3)
w = (torch.arange(15.0).reshape(5, 3) / 10 - 0.7).requires_grad_()
b = torch.tensor([0.1, -0.2, 0.3], requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(f"Gradient function for z = {z.grad_fn}")
report("grad_fn of z", str(z.grad_fn).split()[0].lstrip("<"))
loss.backward()
report("loss and grads", [loss.item(), w.grad.tolist(), b.grad.tolist()])
z = torch.matmul(x, w) + b
report("requires_grad", z.requires_grad)
with torch.no_grad():
    z = torch.matmul(x, w) + b
report("under no_grad", z.requires_grad)
z_det = (torch.matmul(x, w) + b).detach()
report("detached", z_det.requires_grad)

inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
report("first call", inp.grad.tolist())
out.backward(torch.ones_like(out), retain_graph=True)
report("second call", inp.grad.tolist())
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
report("call after zeroing", inp.grad.tolist())
