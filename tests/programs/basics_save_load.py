"""Learn the Basics, saving and loading: a state_dict to a file and back into a fresh model."""
# imports
import torch
from torch import nn
# end imports

model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 32), nn.ReLU(), nn.Linear(32, 10))
with torch.no_grad():
    for index, param in enumerate(model.parameters()):
        param.copy_(torch.linspace(-1, 1, param.numel()).reshape(param.shape) * (index + 1) / 10)
torch.save(model.state_dict(), "model_weights.pth")

fresh = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 32), nn.ReLU(), nn.Linear(32, 10))
fresh.load_state_dict(torch.load("model_weights.pth", weights_only=True))
fresh.eval()
x = torch.linspace(0, 1, 2 * 28 * 28).reshape(2, 28, 28)
report("same outputs", fresh(x).tolist())
report("keys", list(torch.load("model_weights.pth", weights_only=True).keys()))
