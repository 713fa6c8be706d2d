"""Helpers the browser tests share: signing in, axe-core, and what a page must not say."""

from __future__ import annotations

import re
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# English weekday names as a page might print them: "Wed", "Wednesday", "WED".
ENGLISH_WEEKDAY = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(day|sday|nesday|rsday|urday)?\b",
                             re.IGNORECASE)


def expect(locator):
    from playwright.sync_api import expect as playwright_expect
    return playwright_expect(locator)


def new_context(browser, *, locale: str = "en-GB", width: int = 1280, height: int = 900,
                javascript: bool = True, **options):
    """A fresh context (no cookies) with axe-core loaded into every page it opens."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale,
                                  java_script_enabled=javascript, **options)
    context.set_default_timeout(15_000)
    if javascript:
        context.add_init_script(path=str(AXE))
    return context


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))


def axe_violations(page) -> list[str]:
    """Every axe-core violation on the page, one line each: rule, impact, where."""
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            + "; ".join(" ".join(node["target"]) for node in v["nodes"][:4])
            for v in result["violations"]]


def english_weekdays(page, *, names: tuple[str, ...] = ()) -> list[str]:
    """English weekday names anywhere in the page's visible or screen-reader text.

    *names* (people such as "Sun Hui") are left out first: they are no weekdays.
    """
    text = page.evaluate("document.body.textContent")
    for name in names:
        text = text.replace(name, "")
    return sorted({match.group(0) for match in ENGLISH_WEEKDAY.finditer(text)})
