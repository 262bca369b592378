"""The playground in a real browser (headless Chromium from Debian's packages, driven by Selenium).

Each page is opened, used as a learner would (a slider moved with the keyboard, buttons clicked, values typed)
and photographed: the screenshots go to each test's tmp_path. Without Chromium these tests skip, saying how
to install it; under CI (CI=true) they fail instead. GRADSTEP_PLAYGROUND_SCREENSHOTS=DIR also writes the
README's pictures there.
"""
import re

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from playground_helpers import (  # noqa: E402
    chromium_or_skip, request, running_playground, save_full_page, start_chromium,
)

torch = pytest.importorskip("torch")
chromium_or_skip()  # at collection: a missing Chromium is one skip line (or a CI failure), not one per test

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

SECONDS = 60


@pytest.fixture(scope="module")
def address():
    with running_playground() as (process, address):
        yield address


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium("en-US")
    yield driver
    driver.quit()


def wait_for(browser, condition, seconds=SECONDS):
    # A page that redraws may replace an element between finding it and reading it: look again.
    return WebDriverWait(browser, seconds, poll_frequency=0.1,
                         ignored_exceptions=(StaleElementReferenceException,)).until(lambda driver: condition())


def open_page(browser, address, page):
    """The page, fresh: the language chosen on an earlier page is forgotten, so the browser's own applies."""
    browser.get(address + page)
    browser.execute_script("localStorage.clear()")
    browser.get(address + page)
    wait_for(browser, lambda: browser.find_element(By.TAG_NAME, "h1").text != "")


def text(browser, element_id):
    return browser.find_element(By.ID, element_id).text


def number(shown):
    """A number as the page shows it (with a real minus sign)."""
    return float(shown.replace("−", "-"))


def type_into(browser, element_id, value):
    box = browser.find_element(By.ID, element_id) if not element_id.startswith("[") else \
        browser.find_element(By.CSS_SELECTOR, element_id)
    box.click()
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(value)


def map_pixels(browser):
    return browser.execute_script("return document.getElementById('map').toDataURL()")


def descent_drawn(browser):
    return wait_for(browser, lambda: browser.find_element(By.ID, "map").get_attribute("data-path-points"))


# --- descent and momentum -------------------------------------------------------------------------------

def test_the_descent_page_draws_the_walk_and_the_curvature(browser, address, tmp_path):
    open_page(browser, address, "descent")
    descent_drawn(browser)
    assert int(browser.find_element(By.ID, "map").get_attribute("data-path-points")) == 101
    assert "λmax = 10" in text(browser, "curvature").replace("\n", "")
    assert "= 0.2" in text(browser, "limit")
    assert re.fullmatch(r"After 100 steps the loss is \S+ \(the lowest is 0\)\.", text(browser, "outcome"))
    assert int(browser.find_element(By.ID, "loss-chart").get_attribute("data-points")) == 101
    save_full_page(browser, tmp_path / "descent.png", readme_name="descent.png")


def test_moving_the_learning_rate_slider_redraws_the_path(browser, address):
    open_page(browser, address, "descent")
    descent_drawn(browser)
    before_pixels, before_outcome, before_lr = map_pixels(browser), text(browser, "outcome"), \
        browser.find_element(By.ID, "lr").get_attribute("value")
    slider = browser.find_element(By.ID, "lr-slider")
    slider.click()  # the thumb jumps to the middle of the slider: η about 0.05 → a few times larger
    slider.send_keys(Keys.ARROW_RIGHT * 40)
    wait_for(browser, lambda: text(browser, "outcome") != before_outcome)
    assert float(browser.find_element(By.ID, "lr").get_attribute("value")) > float(before_lr)
    wait_for(browser, lambda: map_pixels(browser) != before_pixels)


def test_a_learning_rate_above_two_over_the_largest_curvature_diverges(browser, address, tmp_path):
    open_page(browser, address, "descent")
    descent_drawn(browser)
    type_into(browser, "lr", "0.21")  # 2/λmax = 0.2 on the bowl with steepness ratio 10
    wait_for(browser, lambda: text(browser, "outcome").startswith("Diverged at step"))
    step = int(re.search(r"Diverged at step (\d+)", text(browser, "outcome")).group(1))
    status, walk = request(address, "POST", "/api/walk", {"lr": 0.21, "ratio": 10, "steps": 100})
    assert step == walk["diverged_at"]
    assert "above the limit" in text(browser, "verdict")
    assert "bad" in browser.find_element(By.ID, "outcome").get_attribute("class")
    save_full_page(browser, tmp_path / "descent-diverged.png")
    # Momentum, the same η: within its larger limit 2(1 + γ)/λmax, the walk settles again.
    Select(browser.find_element(By.ID, "optimizer")).select_by_value("momentum")
    wait_for(browser, lambda: text(browser, "outcome").startswith("After"))
    assert "= 0.38" in text(browser, "limit")


def test_each_surface_has_its_map(browser, address):
    open_page(browser, address, "descent")
    descent_drawn(browser)
    for surface in ("rosenbrock", "saddle", "logistic"):
        before = map_pixels(browser)
        Select(browser.find_element(By.ID, "surface")).select_by_value(surface)
        wait_for(browser, lambda: map_pixels(browser) != before and text(browser, "outcome") != "")
        assert browser.find_element(By.ID, "problem").get_attribute("hidden")


# --- backpropagation ----------------------------------------------------------------------------------

def test_stepping_through_backprop_ends_with_autograds_gradients(browser, address, tmp_path):
    open_page(browser, address, "backprop")
    wait_for(browser, lambda: text(browser, "counter") == "step 1 of 11")
    type_into(browser, "[data-field='x₁']", "0.9")
    type_into(browser, "[data-field='w₂₂']", "-1.25")
    type_into(browser, "[data-field='y']", "0")
    wait_for(browser, lambda: "0.9" in browser.find_element(By.CSS_SELECTOR, "[data-node='x1']").text)
    for step in range(2, 12):
        browser.find_element(By.ID, "next").click()
        wait_for(browser, lambda: text(browser, "counter") == f"step {step} of 11")
        if step == 6:
            save_full_page(browser, tmp_path / "backprop-chain-rule.png")
    assert browser.find_element(By.ID, "next").get_attribute("disabled")

    x = torch.tensor([0.9, 1.0, -1.5], dtype=torch.float64)
    w = torch.tensor([[0.3, -0.6], [0.8, -1.25], [-0.5, 0.4]], dtype=torch.float64, requires_grad=True)
    v = torch.tensor([1.2, -0.7], dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.binary_cross_entropy(torch.sigmoid(torch.sigmoid(x @ w) @ v),
                                                    torch.tensor(0.0, dtype=torch.float64))
    loss.backward()
    expected = {f"w{i + 1}{j + 1}": w.grad[i, j].item() for i in range(3) for j in range(2)}
    expected |= {f"v{j + 1}": v.grad[j].item() for j in range(2)}
    rows = browser.find_elements(By.CSS_SELECTOR, "#gradients tr[data-weight]")
    assert sorted(row.get_attribute("data-weight") for row in rows) == sorted(expected)
    for row in rows:
        by_hand = number(row.find_element(By.CSS_SELECTOR, ".hand").text)
        by_autograd = number(row.find_element(By.CSS_SELECTOR, ".autograd").text)
        truth = expected[row.get_attribute("data-weight")]
        assert by_hand == pytest.approx(truth, rel=1e-7, abs=1e-12)
        assert by_autograd == pytest.approx(truth, rel=1e-7, abs=1e-12)
    save_full_page(browser, tmp_path / "backprop.png", readme_name="backprop.png")


def test_backprop_steps_back_and_shows_each_local_derivative(browser, address):
    open_page(browser, address, "backprop")
    wait_for(browser, lambda: text(browser, "counter") == "step 1 of 11")
    for _ in range(5):
        browser.find_element(By.ID, "next").click()
    wait_for(browser, lambda: text(browser, "counter") == "step 6 of 11")
    explanation = text(browser, "explain")
    # The lesson's example: σ⁽²⁾ = 0.6862, so ∂ŷ/∂z = 0.6862·(1 − 0.6862) and ∂L/∂z = ŷ − y.
    assert "∂ŷ/∂z = ŷ(1 − ŷ) = 0.6862·(1 − 0.6862) = 0.2153" in explanation
    assert "= −0.3138 = ŷ − y" in explanation
    browser.find_element(By.ID, "back").click()
    wait_for(browser, lambda: text(browser, "counter") == "step 5 of 11")
    assert "∂L/∂z =" not in browser.find_element(By.CSS_SELECTOR, "[data-node='output']").text


# --- live training --------------------------------------------------------------------------------------

def test_a_training_run_draws_its_loss_and_weights_and_stops(browser, address, tmp_path):
    open_page(browser, address, "train")
    wait_for(browser, lambda: browser.find_element(By.ID, "lr").get_attribute("value") == "0.15")
    # 50 epochs of 20,000 images: long enough to be seen training (50 epochs of 2,000 images were
    # over within a second, before the first look), and stopped after three.
    type_into(browser, "train_size", "20000")
    type_into(browser, "epochs", "50")
    browser.find_element(By.ID, "start").click()
    wait_for(browser, lambda: int(browser.find_element(By.ID, "loss-chart").get_attribute("data-points")) >= 16)
    assert browser.find_element(By.CSS_SELECTOR, "body").get_attribute("data-run-state") == "training"
    assert text(browser, "status").startswith("Training: epoch")
    wait_for(browser, lambda: len(browser.find_elements(By.CSS_SELECTOR, "#weights canvas")) == 16)
    wait_for(browser, lambda: int(browser.find_element(By.ID, "weights").get_attribute("data-updates")) >= 2)
    # Three epochs give the validation curve and the confusion matrix something to show: stop, then look.
    accuracy_chart = browser.find_element(By.ID, "accuracy-chart")
    wait_for(browser, lambda: int(accuracy_chart.get_attribute("data-validation-points")) >= 3)
    browser.find_element(By.ID, "stop").click()
    wait_for(browser, lambda: re.fullmatch(r"Stopped at step \d+\.", text(browser, "status")))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#confusion td")) == 100
    assert len(browser.find_elements(By.CSS_SELECTOR, "#examples .right, #examples .wrong")) == 24
    save_full_page(browser, tmp_path / "train.png", readme_name="train.png")
    assert browser.find_element(By.CSS_SELECTOR, "body").get_attribute("data-run-state") == "stopped"
    assert browser.find_element(By.ID, "start").is_enabled()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#runs li")) == 1


def test_a_diverging_run_says_at_which_step(browser, address):
    open_page(browser, address, "train")
    wait_for(browser, lambda: browser.find_element(By.ID, "lr").get_attribute("value") == "0.15")
    for field, value in {"lr": "1e6", "train_size": "1280", "epochs": "1", "hidden": "128", "seed": "420"}.items():
        type_into(browser, field, value)
    browser.find_element(By.ID, "start").click()
    wait_for(browser, lambda: text(browser, "status").startswith("Diverged at step"))
    assert re.match(r"Diverged at step \d+: the loss became NaN", text(browser, "status"))
    assert "diverged at step" in text(browser, "runs")


# --- languages and bad values ---------------------------------------------------------------------------

@pytest.mark.parametrize("page, english, chinese", [
    ("descent", "Gradient descent and momentum", "梯度下降与动量"),
    ("backprop", "Backpropagation, step by step", "反向传播，一步一步"),
    ("train", "Live training on Fashion-MNIST", "在 Fashion-MNIST 上实时训练"),
])
def test_the_language_switch_changes_every_text(browser, address, page, english, chinese, tmp_path):
    open_page(browser, address, page)
    assert browser.find_element(By.TAG_NAME, "main").text.startswith(english)
    nav = [link.text for link in browser.find_elements(By.CSS_SELECTOR, "nav a")]
    browser.find_element(By.CSS_SELECTOR, ".language-switch [data-language='zh']").click()
    wait_for(browser, lambda: browser.find_element(By.TAG_NAME, "h1").text == chinese)
    assert [link.text for link in browser.find_elements(By.CSS_SELECTOR, "nav a")] == ["梯度下降与动量", "反向传播", "实时训练"]
    assert nav == ["Descent & momentum", "Backpropagation", "Live training"]
    assert browser.execute_script("return document.documentElement.lang") == "zh-CN"
    # No English sentence is left on the page, once what it computed is drawn.
    if page == "descent":
        wait_for(browser, lambda: "步之后" in text(browser, "outcome"))
    assert re.findall(r"[A-Za-z][a-z]+(?: [a-z]+){3,}", browser.find_element(By.TAG_NAME, "main").text) == []
    save_full_page(browser, tmp_path / f"{page}-zh.png", readme_name="descent-zh.png" if page == "descent" else None)
    browser.get(address + page)  # the choice is remembered
    wait_for(browser, lambda: browser.find_element(By.TAG_NAME, "h1").text == chinese)
    browser.find_element(By.CSS_SELECTOR, ".language-switch [data-language='en']").click()
    wait_for(browser, lambda: browser.find_element(By.TAG_NAME, "h1").text == english)


def test_a_chinese_browser_gets_chinese_pages(address):
    chinese_browser = start_chromium("zh-CN")
    try:
        open_page(chinese_browser, address, "backprop")
        assert chinese_browser.find_element(By.TAG_NAME, "h1").text == "反向传播，一步一步"
    finally:
        chinese_browser.quit()


def test_bad_values_are_explained_next_to_the_knob(browser, address, tmp_path):
    open_page(browser, address, "descent")
    descent_drawn(browser)
    type_into(browser, "lr", "-1")
    wait_for(browser, lambda: text(browser, "problem") == "η (learning rate) must be more than 0, got -1")
    assert "invalid" in browser.find_element(By.ID, "lr").get_attribute("class")
    browser.find_element(By.CSS_SELECTOR, ".language-switch [data-language='zh']").click()
    wait_for(browser, lambda: text(browser, "problem") == "η（学习率） 必须大于 0，收到的是 -1")
    browser.find_element(By.CSS_SELECTOR, ".language-switch [data-language='en']").click()
    type_into(browser, "lr", "abc")
    wait_for(browser, lambda: text(browser, "problem") == "η (learning rate) must be a finite number, got “abc”")
    type_into(browser, "lr", "0.05")
    wait_for(browser, lambda: not browser.find_element(By.ID, "problem").is_displayed())

    open_page(browser, address, "backprop")
    wait_for(browser, lambda: text(browser, "counter") == "step 1 of 11")
    type_into(browser, "[data-field='x₂']", "two")
    wait_for(browser, lambda: text(browser, "problem") == "x₂ must be a finite number, got “two”")

    open_page(browser, address, "train")
    wait_for(browser, lambda: browser.find_element(By.ID, "lr").get_attribute("value") == "0.15")
    type_into(browser, "batch_size", "0")
    browser.find_element(By.ID, "start").click()
    wait_for(browser, lambda: text(browser, "problem") == "Batch size must be at least 1, got 0")
    type_into(browser, "batch_size", "128")
    type_into(browser, "hidden", "5000")
    browser.find_element(By.ID, "start").click()
    wait_for(browser, lambda: "a layer of 5000 units is too big" in text(browser, "problem"))
    assert browser.find_elements(By.CSS_SELECTOR, "#runs li") == []  # nothing was started
    save_full_page(browser, tmp_path / "train-bad-value.png")
    # The server is alive and well after all that.
    assert request(address, "POST", "/api/walk", {})[0] == 200
    assert np.isfinite(request(address, "POST", "/api/walk", {})[1]["losses"][-1])
