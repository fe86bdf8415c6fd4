"""Simulated team members for bench/bench_load.py: browsing, searching, opening images and generating.

Each simulated member reuses a signed-in session prepared by the benchmark (sessions in
EASEL_LOAD_SESSIONS), and behaves like the browser would: the Generate page posts through htmx, then
its card is polled until the generation is final.
"""

import itertools
import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, task

SESSIONS = json.loads(Path(os.environ["EASEL_LOAD_SESSIONS"]).read_text())
NEXT_SESSION = itertools.count()
WORDS = ["fox", "lighthouse", "harbour", "castle", "forest", "neon", "winter", "portrait", "city", "garden"]
IMAGE_IDS = json.loads(os.environ.get("EASEL_LOAD_IMAGE_IDS", "[]"))
MODEL_ID = os.environ["EASEL_LOAD_MODEL_ID"]
LIVE = re.compile(r'name="live" value="(\d+)"')  # a running card on the page
NEXT_PAGE = re.compile(r'href="(/gallery/\?[^"]*cursor=[^"]+)"')
# Several Easel nodes (bench_load.py --nodes): each member keeps to one, the members spread over them.
HOSTS = json.loads(os.environ.get("EASEL_LOAD_HOSTS", "[]"))


class Member(HttpUser):
    wait_time = between(1, 4)

    def on_start(self):
        number = next(NEXT_SESSION)
        if HOSTS:
            self.client.base_url = HOSTS[number % len(HOSTS)]
        session = SESSIONS[number % len(SESSIONS)]
        self.client.cookies.set("sessionid", session["session"])
        self.client.cookies.set("csrftoken", session["csrf"])
        self.client.headers["X-CSRFToken"] = session["csrf"]
        self.pending: list[str] = []

    def get(self, path: str, name: str, **headers):
        with self.client.get(path, name=name, headers=headers, catch_response=True) as response:
            if response.status_code >= 500 or response.status_code == 0:
                response.failure(f"{response.status_code}")
            else:
                response.success()
            return response

    @task(5)
    def browse_gallery(self):
        page = self.get("/gallery/", "gallery")
        found = NEXT_PAGE.search(page.text or "")
        if found:
            self.get(found.group(1).replace("&amp;", "&"), "gallery next page", **{"HX-Request": "true"})

    @task(3)
    def search(self):
        self.get(f"/gallery/?q={random.choice(WORDS)}", "gallery search", **{"HX-Request": "true"})

    @task(2)
    def open_image(self):
        if IMAGE_IDS:
            self.get(f"/gallery/images/{random.choice(IMAGE_IDS)}/", "image page")

    @task(2)
    def generate_page(self):
        self.get("/", "generate page")

    @task(1)
    def generate(self):
        data = {
            "prompt": f"a {random.choice(WORDS)} in the style of a {random.choice(WORDS)} {random.random()}",
            "model": MODEL_ID,
            "aspect_ratio": random.choice(["1:1", "16:9", "3:4"]),
            # No image size: the default model (Gemini 2.5 Flash Image) takes none.
            "count": "1",
        }
        with self.client.post(
            "/", data=data, name="submit generation", headers={"HX-Request": "true"}, catch_response=True
        ) as response:
            if response.status_code == 200:
                self.pending += LIVE.findall(response.text)
                response.success()
            elif response.status_code == 422:
                response.success()  # refused by a limit with a message: the intended answer
            else:
                response.failure(f"{response.status_code}")

    @task(6)
    def poll_running_cards(self):
        """What the open Generate page does: one request for all its running cards."""
        if not self.pending:
            return
        with self.client.get(
            "/generations/updates/",
            params={"live": self.pending},
            name="running cards poll",
            headers={"HX-Request": "true"},
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                self.pending = LIVE.findall(response.text)  # the cards still running
                response.success()
            else:
                response.failure(f"{response.status_code}")
