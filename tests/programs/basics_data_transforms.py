"""Learn the Basics, datasets & dataloaders and transforms: Fashion-MNIST, a one-hot target, batches."""
# imports
import torch
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets
from torchvision.transforms import Lambda, ToTensor
# end imports

training_data = datasets.FashionMNIST(root="data", train=True, download=True, transform=ToTensor())
test_data = datasets.FashionMNIST(root="data", train=False, download=True, transform=ToTensor())
labels_map = {0: "T-Shirt", 1: "Trouser", 2: "Pullover", 3: "Dress", 4: "Coat", 5: "Sandal", 6: "Shirt", 7: "Sneaker", 8: "Bag", 9: "Ankle Boot"}

sample_idx = torch.randint(len(training_data), size=(1,)).item()
img, label = training_data[sample_idx]
report("random sample", [list(img.squeeze().shape), labels_map[label] in labels_map.values(), type(label).__name__])
img, label = training_data[123]
report("sample 123", [img.squeeze().sum().item(), label, labels_map[label]])
report("sizes", [len(training_data), len(test_data)])


class FirstImages(Dataset):
    """A custom dataset over another one's first few images, with its own transform."""

    def __init__(self, source, count, transform=None):
        self.source, self.count, self.transform = source, count, transform

    def __len__(self):
        return self.count

    def __getitem__(self, idx):
        image, label = self.source[idx]
        if self.transform:
            image = self.transform(image)
        return image, label


custom = FirstImages(test_data, 10, transform=Lambda(lambda x: x.flatten()))
report("custom dataset", [len(custom), list(custom[3][0].shape), custom[3][1]])

train_dataloader = DataLoader(training_data, batch_size=64, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=64, shuffle=False)
train_features, train_labels = next(iter(train_dataloader))
report("train batch", [list(train_features.size()), list(train_labels.size()), str(train_labels.dtype)])
test_features, test_labels = next(iter(test_dataloader))
report("first test batch", [test_features.sum().item(), test_labels.tolist()])
img = test_features[0].squeeze()
label = test_labels[0]
report("first test image", [list(img.shape), int(label)])

one_hot = datasets.FashionMNIST(
    root="data", train=False, download=True, transform=ToTensor(),
    target_transform=Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)),
)
report("one-hot targets", [one_hot[0][1].tolist(), one_hot[1][1].tolist()])
batch_x, batch_y = next(iter(DataLoader(one_hot, batch_size=8)))
report("one-hot batch", [list(batch_y.shape), batch_y.argmax(1).tolist()])
