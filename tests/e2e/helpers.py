from playwright.sync_api import Locator, Page, expect

PASSWORD = "a-long-test-password"


def log_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def loaded_natural_width(image: Locator) -> int:
    """The picture's decoded width once the browser has finished loading it (0 if loading failed).

    Reading `img.complete` straight after the page shows is a race: the file may still be on its way.
    """
    image.scroll_into_view_if_needed()  # a lazy image starts loading only near the viewport
    return image.evaluate(
        """img => img.complete ? img.naturalWidth : new Promise(resolve => {
            img.addEventListener("load", () => resolve(img.naturalWidth), {once: true});
            img.addEventListener("error", () => resolve(0), {once: true});
        })"""
    )
