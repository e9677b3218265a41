"""A real browser's trip through the web storefront, for e2e `browser::`.

Drives Debian's Chromium through chromedriver (WebDriver, via Selenium from
PyPI): browse, add two products, change a quantity by keyboard, check out,
find the order in the history and the stock dropped on the product page;
then the admin signs in, edits a price, and the shop shows it. Every page
on the way is checked with axe-core (bundled by the PyPI package
axe-core-python, so nothing is fetched). On any failure it saves a
screenshot and the page's HTML in the given folder, says where, and exits 1.

Usage: shop_trip.py BASE_URL ADMIN_TOKEN SCREENSHOT_DIR
"""

import os
import shutil
import sys
import traceback

os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not download

from axe_core_python.selenium import Axe
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

BASE, ADMIN_TOKEN, SHOTS = sys.argv[1:4]
# WCAG 2.1 A and AA, and axe's best practices (landmarks, one h1, …).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}

step = "start"
checked_pages = []


def browser():
    options = Options()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def at(driver, title):
    assert driver.title == f"{title} · Storefront", f"expected the page {title!r}, got {driver.title!r} at {driver.current_url}"


def accessible(driver):
    """No axe violation on the page now shown; each kind of page once."""
    path = driver.current_url.split("?")[0].removeprefix(BASE)
    page = f"{driver.title} ({path})"
    if page in checked_pages:
        return
    checked_pages.append(page)
    results = Axe().run(driver, options=AXE_OPTIONS)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results["violations"]
    ]
    assert not problems, f"accessibility violations on {path}:\n" + "\n".join(problems)


def text(driver, element_id):
    return driver.find_element(By.ID, element_id).text


def open_product(driver, name):
    driver.find_element(By.LINK_TEXT, "Products").click()
    at(driver, "Products")
    driver.find_element(By.LINK_TEXT, name).click()
    at(driver, name)


def tab_to(driver, element_id, limit=30):
    """Presses Tab until the element has the focus: keyboard access."""
    for _ in range(limit):
        active = driver.switch_to.active_element
        if active.get_attribute("id") == element_id:
            return active
        active.send_keys(Keys.TAB)
    raise AssertionError(f"#{element_id} is not reachable with the Tab key")


def trip(driver):
    global step
    step = "browse"
    driver.get(BASE + "/")
    at(driver, "Products")  # the gateway's root sends browsers here
    accessible(driver)

    step = "add Tux by keyboard"
    open_product(driver, "Tux")
    accessible(driver)
    stock_before = int(text(driver, "stock"))
    tux_url = driver.current_url
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    quantity = tab_to(driver, "quantity")
    quantity.send_keys(Keys.CONTROL, "a")
    quantity.send_keys("1")
    quantity.send_keys(Keys.TAB)
    button = driver.switch_to.active_element
    assert button.text == "Add to cart", f"Tab from the quantity reaches {button.text!r}"
    button.send_keys(Keys.ENTER)
    at(driver, "Cart")
    accessible(driver)

    step = "add Duck"
    open_product(driver, "Duck")
    driver.find_element(By.ID, "quantity").clear()
    driver.find_element(By.ID, "quantity").send_keys("2")
    driver.find_element(By.XPATH, "//button[text()='Add to cart']").click()
    at(driver, "Cart")

    step = "change a quantity"
    field = driver.find_element(By.XPATH, "//label[text()='Quantity of Tux']/following-sibling::input")
    field.clear()
    field.send_keys("3", Keys.ENTER)
    at(driver, "Cart")
    # 3 × 15.99 + 2 × 2.50
    assert text(driver, "total") == "52.97", f"total {text(driver, 'total')}"

    step = "check out"
    driver.find_element(By.XPATH, "//button[text()='Place order']").click()
    title = driver.title
    assert title.startswith("Order "), f"after checkout: {title}"
    number = title.split(" ")[1]
    assert "your order is placed" in driver.page_source
    assert text(driver, "total") == "52.97"
    accessible(driver)

    step = "the history"
    driver.find_element(By.LINK_TEXT, "Orders").click()
    at(driver, "Your orders")
    driver.find_element(By.LINK_TEXT, f"Order {number}")
    accessible(driver)

    step = "the stock dropped"
    driver.get(tux_url)
    assert int(text(driver, "stock")) == stock_before - 3, f"stock {text(driver, 'stock')}, was {stock_before}"

    step = "an out-of-stock refusal is a page"
    driver.find_element(By.ID, "quantity").clear()
    # The field's max would stop the browser: ask for more by removing it.
    driver.execute_script("document.getElementById('quantity').removeAttribute('max')")
    driver.find_element(By.ID, "quantity").send_keys("1000")
    driver.find_element(By.XPATH, "//button[text()='Add to cart']").click()
    at(driver, "Tux")
    alert = driver.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert "stock" in alert.lower(), f"alert: {alert}"
    accessible(driver)

    step = "the account page"
    driver.find_element(By.LINK_TEXT, "Account").click()
    at(driver, "Account")
    assert text(driver, "customer-id").startswith("c-")
    accessible(driver)

    step = "admin signs in"
    driver.get(BASE + "/admin")
    at(driver, "Admin sign-in")
    accessible(driver)
    driver.find_element(By.ID, "token").send_keys(ADMIN_TOKEN, Keys.ENTER)
    at(driver, "Products (admin)")
    accessible(driver)

    step = "admin edits a price"
    driver.find_element(By.CSS_SELECTOR, "a[aria-label='Edit Tux']").click()
    accessible(driver)
    price = driver.find_element(By.ID, "price")
    price.clear()
    price.send_keys("12.50")
    driver.find_element(By.XPATH, "//button[text()='Save']").click()
    at(driver, "Products (admin)")

    step = "the shop shows the new price"
    driver.get(tux_url)
    assert text(driver, "price") == "12.50", f"price {text(driver, 'price')}"


def main():
    os.makedirs(SHOTS, exist_ok=True)
    driver = browser()
    try:
        trip(driver)
    except Exception:
        name = step.replace(" ", "-")
        shot = os.path.join(SHOTS, f"{name}.png")
        driver.save_screenshot(shot)
        with open(os.path.join(SHOTS, f"{name}.html"), "w", encoding="utf8") as page:
            page.write(driver.page_source)
        traceback.print_exc()
        print(f"FAILED at step {step!r} ({driver.current_url}); screenshot {shot}")
        sys.exit(1)
    finally:
        driver.quit()
    print(f"trip done; accessibility checked on {len(checked_pages)} pages: {checked_pages}")


if __name__ == "__main__":
    main()
