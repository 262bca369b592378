"""The lesson's words in the learner's language: English, or Simplified Chinese, the language it is taught in.

Figures and demos write their text through a translator, with the English text
as the key (as gettext does), so the code still reads in English:

    >>> tr = translator("zh-CN")
    >>> tr("epoch")
    '轮次（epoch）'
    >>> tr("{steps} steps", steps=25)
    '25 步'
    >>> translator("en")("{steps} steps", steps=25)
    '25 steps'

Every string the code passes to ``tr`` has a translation in :data:`ZH_CN` (a
test reads the code to check it), so a missing one is a bug: a ``KeyError``.
Plots take the language as an argument (``lang="zh-CN"``); the ``gradstep``
command takes ``--lang`` or else reads the locale (:func:`language_from_locale`).
Chinese characters need a Chinese font: see ``gradstep/plots/chinese_font.py``.
"""
from __future__ import annotations

import argparse
import os
import unicodedata
from collections.abc import Callable, Mapping

LANGUAGES = ("en", "zh-CN")

# The lesson's own terms: 梯度 gradient, 学习率 learning rate, 动量 momentum, 反向传播 backpropagation,
# 链式法则 chain rule, 损失 loss, 批量大小 batch size, 轮次 epoch, 小批量 mini-batch, 准确率 accuracy.
ZH_CN: dict[str, str] = {
    # Fashion-MNIST's ten classes, in the order of their labels
    "T-shirt/top": "T恤/上衣",
    "Trouser": "裤子",
    "Pullover": "套头衫",
    "Dress": "连衣裙",
    "Coat": "外套",
    "Sandal": "凉鞋",
    "Shirt": "衬衫",
    "Sneaker": "运动鞋",
    "Bag": "包",
    "Ankle boot": "短靴",
    # the loss surfaces of gradstep.lesson.surfaces
    "quadratic bowl": "二次碗形曲面",
    "logistic regression": "逻辑回归",
    # training: curves, confusion matrix, predictions
    "training": "训练集",
    "validation": "验证集",
    "test": "测试集",
    "Loss": "损失",
    "Accuracy": "准确率",
    "epoch": "轮次（epoch）",
    "loss (mean per image)": "损失（每张图片的平均值）",
    "accuracy (%)": "准确率（%）",
    "Training history over {epochs} epochs": "{epochs} 个轮次的训练过程",
    "number of images": "图片数",
    "predicted class": "预测类别",
    "true class": "真实类别",
    "Confusion matrix: {images} images, {accuracy:.1%} on the diagonal":
        "混淆矩阵：{images} 张图片，{accuracy:.1%} 落在对角线上",
    # what the first layer learned: its weights as pictures, and a CNN's feature maps
    "The CNN's first layer: {count} kernels of {height}×{width}, applied everywhere":
        "CNN 的第一层：{count} 个 {height}×{width} 的核，作用在每个位置上",
    "The MLP's first layer: {count} of its {units} units, one 28×28 weight image each":
        "MLP 的第一层：{units} 个单元中的 {count} 个，每个一张 28×28 的权重图",
    "map {channel}": "特征图 {channel}",
    "What the first layer's filters see: bright where a filter's pattern is":
        "第一层的核看到了什么：哪里有它的图案，哪里就亮",
    "{predicted}\n(true: {true})": "{predicted}\n（真实：{true}）",
    "Predicted class above each image: {correct} of {total} right\n(wrong ones in red, with the true class)":
        "图片上方是预测的类别：{total} 张中对了 {correct} 张\n（错的标成红色，并注明真实类别）",
    # the loss surfaces drawn
    "lowest loss": "最低损失",
    "weight w1": "权重 w1",
    "weight w2": "权重 w2",
    "start": "起点",
    # gradstep demo backprop
    "Backpropagation by hand, checked against autograd": "手算反向传播，并与自动求导核对",
    "Data: X has {count} samples (rows) of 3 inputs, labels y = {labels}":
        "数据：X 有 {count} 个样本（行），每个样本 3 个输入，标签 y = {labels}",
    "Loss: binary cross-entropy averaged over the {count} samples": "损失函数：二元交叉熵，对 {count} 个样本取平均",
    "1. Logistic regression σ(Xw) with w = {w}": "1. 逻辑回归 σ(Xw)，w = {w}",
    "One weight, w[0], on sample 0: z = x·w = {z:.4f}, σ(z) = {s:.4f}, y = {y:.0f}":
        "一个权重 w[0]，样本 0：z = x·w = {z:.4f}，σ(z) = {s:.4f}，y = {y:.0f}",
    "product": "乘积",
    "(it simplifies to {formula})": "（化简后是 {formula}）",
    "Sample 0 adds product / N = {share:.4f} to ∂L/∂w[0]; each other sample adds its own.":
        "样本 0 给 ∂L/∂w[0] 加上 乘积 / N = {share:.4f}；其余每个样本各加上自己的一份。",
    "All weights and samples at once, ∂L/∂w = Xᵀ(σ − y) / N:": "所有权重、所有样本一起算，∂L/∂w = Xᵀ(σ − y) / N：",
    "by hand": "手算",
    "autograd": "自动求导",
    "max |difference| = {difference:.1e}": "最大 |差异| = {difference:.1e}",
    "2. Two-layer network: σ⁽¹⁾ = σ(X w⁽⁰→¹⁾), σ⁽²⁾ = σ(σ⁽¹⁾ w⁽¹→²⁾)": "2. 两层网络：σ⁽¹⁾ = σ(X w⁽⁰→¹⁾)，σ⁽²⁾ = σ(σ⁽¹⁾ w⁽¹→²⁾)",
    "Sample 0: σ⁽¹⁾ = {hidden}, σ⁽²⁾ = {s:.4f}, y = {y:.0f}": "样本 0：σ⁽¹⁾ = {hidden}，σ⁽²⁾ = {s:.4f}，y = {y:.0f}",
    "An output weight, w⁽¹→²⁾[0]: the same three factors, with σ⁽¹⁾ as the input":
        "一个输出层权重 w⁽¹→²⁾[0]：还是这三个因子，输入换成 σ⁽¹⁾",
    "A hidden weight, w⁽⁰→¹⁾[0, 0]: the error goes back through w⁽¹→²⁾[0] and σ⁽¹⁾[0]":
        "一个隐藏层权重 w⁽⁰→¹⁾[0, 0]：误差经过 w⁽¹→²⁾[0] 和 σ⁽¹⁾[0] 传回来",
    "As matrices, ∂L/∂w⁽¹→²⁾ = σ⁽¹⁾ᵀ(σ⁽²⁾ − y) / N:": "写成矩阵，∂L/∂w⁽¹→²⁾ = σ⁽¹⁾ᵀ(σ⁽²⁾ − y) / N：",
    "and ∂L/∂w⁽⁰→¹⁾ = Xᵀ[((σ⁽²⁾ − y) w⁽¹→²⁾ᵀ) ⊙ σ⁽¹⁾(1 − σ⁽¹⁾)] / N:":
        "以及 ∂L/∂w⁽⁰→¹⁾ = Xᵀ[((σ⁽²⁾ − y) w⁽¹→²⁾ᵀ) ⊙ σ⁽¹⁾(1 − σ⁽¹⁾)] / N：",
    "w, logistic regression": "w，逻辑回归",
    "w⁽⁰→¹⁾, two-layer network": "w⁽⁰→¹⁾，两层网络",
    "w⁽¹→²⁾, two-layer network": "w⁽¹→²⁾，两层网络",
    "by hand = by autograd": "手算 = 自动求导",
    "∂L/∂{name}: largest |difference| {difference:.0e}": "∂L/∂{name}：最大 |差异| {difference:.0e}",
    "gradient by hand (NumPy chain rule)": "手算的梯度（用 NumPy 写的链式法则）",
    "gradient by autograd (gradstep)": "自动求导的梯度（gradstep）",
    "Backpropagation by hand matches autograd": "手算的反向传播与自动求导一致",
    # gradstep demo descent
    "One step of gradient descent, w ← w − η∇L, on the loss of a logistic regression over its two weights":
        "梯度下降走一步 w ← w − η∇L：逻辑回归的损失，看作它两个权重的函数",
    "by gradstep's autograd: it points uphill": "由 gradstep 的自动求导算出：它指向上坡",
    "L    = {loss:.4f}, lower": "L    = {loss:.4f}，更低了",
    "too small: crawls": "太小，走得很慢",
    "good": "合适",
    "too large: zig-zags": "太大，来回震荡",
    "above 2/λmax = {limit:g}: diverges": "超过 2/λmax = {limit:g}，发散",
    "η = {lr}: {verdict}": "η = {lr}：{verdict}",
    "{steps} steps from w = {start} on a quadratic bowl with curvatures {curvatures}"
    " (descent diverges for η > 2/λmax = {limit:g})":
        "在曲率为 {curvatures} 的二次碗形曲面上，从 w = {start} 出发走 {steps} 步"
        "（η > 2/λmax = {limit:g} 时梯度下降发散）",
    "loss at the end": "最终损失",
    "verdict": "评价",
    "∇L(w): uphill": "∇L(w)：上坡方向",
    "step −η∇L, η = {lr}": "一步 −η∇L，η = {lr}",
    "before: L = {loss:.3f}": "走之前：L = {loss:.3f}",
    "after: L = {loss:.3f}": "走之后：L = {loss:.3f}",
    "One step of gradient descent on the {surface} loss": "在{surface}的损失上走一步梯度下降",
    "{steps} steps": "{steps} 步",
    "step": "步数",
    "loss (log scale)": "损失（对数刻度）",
    "Loss after each step": "每一步之后的损失",
    "Gradient descent on a {surface} with different learning rates η": "不同学习率 η 下，{surface}上的梯度下降",
    "The curvature of the {surface} loss at its minimum w* = {point}:": "{surface}的损失在最低点 w* = {point} 处的曲率：",
    "λmax = {curvature:.4f}: near w*, descent stops converging for η > 2/λmax = {limit:.4f}":
        "λmax = {curvature:.4f}：在 w* 附近，η > 2/λmax = {limit:.4f} 时梯度下降不再收敛",
    "{steps} steps from near w*: with η = 0.9·2/λmax the loss ends {below:.1e} above the minimum, "
    "with η = 1.1·2/λmax {above:.1e} (it bounces across the valley instead of settling)":
        "从 w* 附近出发走 {steps} 步：η = 0.9·2/λmax 时最终损失比最低点高 {below:.1e}，"
        "η = 1.1·2/λmax 时高 {above:.1e}（它在山谷两侧来回跳，停不下来）",
    "From w = {point}: a gradient step (η = {lr}) reaches L = {by_gradient:.4f}, a Newton step "
    "w − H⁻¹∇L reaches L = {by_newton:.4f} (minimum {minimum:.4f})":
        "从 w = {point} 出发：梯度下降走一步（η = {lr}）到达 L = {by_gradient:.4f}，"
        "牛顿法走一步 w − H⁻¹∇L 到达 L = {by_newton:.4f}（最低 {minimum:.4f}）",
    "dividing each direction's slope by its curvature takes a long stride along the flat valley floor":
        "把每个方向的斜率除以该方向的曲率，就能沿平坦的谷底迈出一大步",
    "loss above the minimum after the walk": "走完之后比最低点高出的损失",
    "diverged": "发散",
    "learning rate η": "学习率 η",
    "L(w) − L(w*) (log scale)": "L(w) − L(w*)（对数刻度）",
    "Near the minimum, descent settles below η = 2/λmax and not above it":
        "在最低点附近：η 低于 2/λmax 时梯度下降收敛，高于它时不收敛",
    "gradient step w − η∇L": "梯度下降一步 w − η∇L",
    "Newton step w − H⁻¹∇L": "牛顿法一步 w − H⁻¹∇L",
    "A gradient step and a Newton step from the same point": "从同一点出发：梯度下降一步与牛顿法一步",
    # gradstep demo momentum
    "plain gradient descent": "普通梯度下降",
    "momentum γ = {momentum}": "动量 γ = {momentum}",
    "{surface}: η = {lr}, {steps} steps from w = {start}, target loss {target:.4f} (lowest {lowest:.4f} + {margin:g})":
        "{surface}：η = {lr}，从 w = {start} 出发走 {steps} 步，目标损失 {target:.4f}（最低 {lowest:.4f} + {margin:g}）",
    "steps to reach the target": "达到目标的步数",
    "not in {steps}": "{steps} 步内未达到",
    "The two forms of the momentum update, from the same start with the same η and γ:":
        "动量更新的两种写法，起点相同，η 和 γ 也相同：",
    "textbook:": "教科书写法：",
    "PyTorch (optim.SGD):": "PyTorch（optim.SGD）：",
    "{surface}, γ = {momentum}: largest |difference| in {steps} steps = {difference:.1e}":
        "{surface}，γ = {momentum}：{steps} 步中最大 |差异| = {difference:.1e}",
    "{surface}: {steps} steps, η the same for all": "{surface}：{steps} 步，η 都相同",
    "target": "目标",
    "loss − lowest loss (log scale)": "损失 − 最低损失（对数刻度）",
    "{surface}: how far above the bottom": "{surface}：离谷底还有多高",
    "Momentum damps the zig-zag across a narrow valley and speeds the walk along it":
        "动量抑制了横穿狭长山谷的来回震荡，并加快了沿谷底的前进",
    "textbook: v ← γv − η∇L; w ← w + v": "教科书写法：v ← γv − η∇L；w ← w + v",
    "PyTorch: v ← γv + ∇L; w ← w − ηv": "PyTorch 写法：v ← γv + ∇L；w ← w − ηv",
    "{surface}, γ = {momentum}": "{surface}，γ = {momentum}",
    "float64 precision (2.2e-16)": "float64 的精度（2.2e-16）",
    "|textbook w − PyTorch w| (log scale)": "|教科书写法的 w − PyTorch 写法的 w|（对数刻度）",
    "Distance between the two walks": "两条路径之间的距离",
    "Two ways to write momentum, one walk": "动量的两种写法，走出同一条路径",
    # gradstep demo batches
    "Iterations per epoch for N = {samples} samples: len(DataLoader(dataset, batch_size=B, drop_last=...))":
        "N = {samples} 个样本时，每个轮次的迭代次数：len(DataLoader(dataset, batch_size=B, drop_last=...))",
    "Training 784-32-10 on the first {samples} Fashion-MNIST images: {epochs} epochs of SGD,"
    " η = {lr}, the same first weights":
        "在前 {samples} 张 Fashion-MNIST 图片上训练 784-32-10：用 SGD 训练 {epochs} 个轮次，"
        "η = {lr}，初始权重相同",
    "batch size": "批量大小",
    "steps per epoch": "每轮步数",
    "training seconds": "训练秒数",
    "full batch (B = {samples}): {steps} step per epoch": "全批量（B = {samples}）：每轮 {steps} 步",
    "single sample (B = 1): {steps} steps per epoch": "单样本（B = 1）：每轮 {steps} 步",
    "mini-batch (B = {batch_size}): {steps} steps per epoch": "小批量（B = {batch_size}）：每轮 {steps} 步",
    "loss on all {samples} training images": "全部 {samples} 张训练图片上的损失",
    "Loss per epoch: smaller batches take more steps": "按轮次看损失：批量越小，每轮步数越多",
    "training time (seconds, log scale)": "训练时间（秒，对数刻度）",
    "Loss per second of training": "按训练时间看损失",
    "The same network and data trained with three batch sizes": "同一个网络、同一份数据，用三种批量大小训练",
    # gradstep demo
    "Figures ({seconds:.1f} s):": "图片（{seconds:.1f} 秒）：",
}
"""Simplified Chinese for every English message of gradstep's figures and demos."""

CATALOGUES: dict[str, Mapping[str, str]] = {"zh-CN": ZH_CN}
"""The translations of each language other than English, whose messages are their own keys."""


def translator(lang: str) -> Callable[..., str]:
    """A function that turns an English message into ``lang`` and fills in its ``{fields}``.

    Example:
        >>> translator("zh-CN")("{surface}, γ = {momentum}", surface="逻辑回归", momentum=0.9)
        '逻辑回归，γ = 0.9'
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: gradstep speaks {', '.join(LANGUAGES)}")
    catalogue = CATALOGUES.get(lang)

    def translate(message: str, **fields: object) -> str:
        if catalogue is not None:
            if message not in catalogue:
                raise KeyError(f"no {lang} translation of {message!r}: add one to gradstep/i18n.py")
            message = catalogue[message]
        return message.format(**fields)

    return translate


def language_from_locale(environ: Mapping[str, str] = os.environ) -> str:
    """"zh-CN" when the user's locale is Chinese, else "en".

    The first of ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that is set decides,
    in the order the C library reads them. Every Chinese locale (zh_CN, zh_TW, …)
    gets Simplified Chinese, the only Chinese gradstep has.

    Example:
        >>> language_from_locale({"LANG": "zh_CN.UTF-8"})
        'zh-CN'
        >>> language_from_locale({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"})
        'en'
    """
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable)
        if value:
            return "zh-CN" if value.lower().startswith("zh") else "en"
    return "en"


def add_lang_option(parser: argparse.ArgumentParser) -> None:
    """Give a command the ``--lang`` option; without it, the command follows :func:`language_from_locale`."""
    parser.add_argument("--lang", choices=LANGUAGES,
                        help="language of the figures and printed results (default: the locale's, "
                        "from LC_ALL, LC_MESSAGES or LANG; en unless it is Chinese)")


def display_width(text: str) -> int:
    """The number of terminal columns ``text`` takes: a Chinese character (or a full-width ：) takes two.

    Example:
        >>> display_width("loss"), display_width("损失")
        (4, 4)
    """
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` filled out with spaces to ``width`` columns: what ``f"{text:<{width}}"`` does for English.

    ``align`` is ``"<"`` (text on the left) or ``">"`` (on the right). Python's
    format counts characters, so a column of Chinese words would come out too wide.

    Example:
        >>> pad("损失", 6, ">") + "|"
        '  损失|'
    """
    spaces = " " * max(0, width - display_width(text))
    return text + spaces if align == "<" else spaces + text
