"""Rendering: one 1080x1080 JPEG card, cold, against a naive renderer measured in the same run; and the cache.

Cold: a slogan text never rendered before in this process (fonts and logo may already be loaded: one card is
drawn first to warm them up). The texts are the real slogans of slogans.yaml plus sentences made from their
words, every one different. The product's `render_card` and the naive renderer below alternate text by text.

The naive renderer draws the same canvas (size, colours, header band with logo and text, footer band, slogan
box, JPEG quality 90 4:4:4) the straightforward way: it loads the TTF with `ImageFont.truetype` at each step
of a linear size search from `max_font_size` down, and wraps greedily word by word.

Also: the very first card in a fresh process (import + fonts + logo + render), and the card cache: the same
card asked for by 300 channels on 32 threads at once is drawn once (render calls counted).

    .venv/bin/python -m benchmarks.bench_render [--texts 60] [--json out.json]
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest import mock

from PIL import Image, ImageDraw, ImageFont

from benchmarks.common import PYTHON, REPO, Result, env_with_token, median, percentile
from scheduler.cards import CardStore, render_card
from scheduler.cards import store as cardstore
from scheduler.project.cardstyle import CardStyle
from scheduler.project.slogans import load_slogans

TARGET_MS = 25.0
# The issue sets no number for the ratio. The naive renderer is naive in layout quality (greedy lines, no ink
# measuring, no headroom rules), not slow: loading a TTF costs 0.02 ms, and both pay the same glyph rendering
# and JPEG encoding. So the bar here is that doing the better layout costs no more than the naive one.
RATIO_TARGET = 1.0


# --------------------------------------------------------------------------------------------- texts


def slogan_texts(count: int, seed: int = 2021) -> list[str]:
    """The enabled slogans of slogans.yaml, then sentences of their words (4 to 24 words), all distinct."""
    slogans = [s.text for s in load_slogans(REPO / "slogans.yaml").enabled]
    words = [word.strip('!.,“”"()') for text in slogans for word in text.split()]
    words = [word for word in words if word]
    rng = random.Random(seed)
    texts = list(dict.fromkeys(slogans))
    while len(texts) < count:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(4, 24)))
        candidate = sentence[0].upper() + sentence[1:] + "!"
        if candidate not in texts:
            texts.append(candidate)
    rng.shuffle(texts)
    return texts[:count]


# --------------------------------------------------------------------------------------------- naive renderer


def _hex(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _greedy_wrap(words: list[str], font: ImageFont.FreeTypeFont, width: int) -> list[str] | None:
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= width:
            current = candidate
            continue
        if not current or font.getlength(word) > width:
            return None
        lines.append(current)
        current = word
    lines.append(current)
    return lines


def naive_render(text: str, style: CardStyle) -> bytes:
    """The same card drawn naively: a font load per size tried, greedy wrapping, no caches at all."""
    width, height = style.size
    header_h, footer_h = round(0.15 * width), round(0.11 * width)
    margin, padding = round(0.08 * width), round(0.06 * width)
    background = _hex(style.background)
    band = tuple(round(0.86 * c) for c in background)
    image = Image.new("RGB", style.size, background)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, header_h), fill=band)
    draw.rectangle((0, height - footer_h, width, height), fill=band)
    if style.logo is not None:
        with Image.open(style.logo) as source:
            logo = source.convert("RGBA")
        logo_h = round(0.105 * width)
        logo = logo.resize((round(logo.width * logo_h / logo.height), logo_h), Image.Resampling.LANCZOS)
        image.paste(logo, (margin, (header_h - logo_h) // 2), logo)
    header_font = ImageFont.truetype(str(style.text_font), round(0.046 * width))
    draw.text((width // 2, header_h // 2), style.header, font=header_font, fill=_hex(style.text_color), anchor="mm")
    footer_font = ImageFont.truetype(str(style.text_font), round(0.034 * width))
    draw.text(
        (width // 2, height - footer_h // 2), style.footer, font=footer_font, fill=_hex(style.text_color), anchor="mm"
    )
    box_w = width - 2 * margin
    box_h = height - header_h - footer_h - 2 * padding
    words = text.split()
    for size in range(style.max_font_size, style.smallest_font_size - 1, -1):
        font = ImageFont.truetype(str(style.slogan_font), size)
        lines = _greedy_wrap(words, font, box_w)
        if lines is None:
            continue
        pitch = round(1.24 * size)
        if pitch * len(lines) <= box_h:
            break
    if lines is None:
        raise ValueError(f"the slogan does not fit at {style.smallest_font_size} px: {text!r}")
    top = header_h + padding + (box_h - pitch * len(lines)) // 2
    for index, line in enumerate(lines):
        draw.text(
            (width // 2, top + index * pitch + pitch // 2), line, font=font, fill=_hex(style.slogan_color), anchor="mm"
        )
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=style.jpeg_quality, subsampling=0, optimize=False)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------- measurements


def timed(function: Callable[[], bytes]) -> tuple[float, bytes]:
    start = time.perf_counter()
    data = function()
    return (time.perf_counter() - start) * 1000, data


def timed_cpu(function: Callable[[], bytes]) -> tuple[float, float, bytes]:
    """Wall and CPU milliseconds of one call (CPU: this thread only, so other processes do not count)."""
    wall, cpu = time.perf_counter(), time.thread_time()
    data = function()
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000, data


FIRST_RENDER = """
import time
t0 = time.perf_counter()
from scheduler.cards import render_card
from scheduler.project.cardstyle import CardStyle
t1 = time.perf_counter()
render_card("Dân vận khéo thì việc gì cũng thành công!", CardStyle())
t2 = time.perf_counter()
render_card("Quyền hành và lực lượng đều ở nơi dân", CardStyle())
t3 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000)
"""


def calibration_ms(runs: int = 9) -> tuple[float, float]:
    """Machine yardsticks, medians in ms: a fixed pure-Python loop, and encoding one flat 1080x1080 JPEG as cards are.

    A shared virtual machine's speed drifts by tens of percent over minutes; these put a run's numbers in scale.
    """
    loop, encode = [], []
    image = Image.new("RGB", (1080, 1080), (218, 37, 29))
    ImageDraw.Draw(image).rectangle((100, 300, 980, 780), fill=(255, 255, 0))
    for _ in range(runs):
        start = time.thread_time()
        total = 0
        for number in range(300_000):
            total += number * number
        loop.append((time.thread_time() - start) * 1000)
        start = time.thread_time()
        image.save(io.BytesIO(), format="JPEG", quality=90, subsampling=0, optimize=False)
        encode.append((time.thread_time() - start) * 1000)
    return median(loop), median(encode)


def first_render_in_fresh_process(runs: int = 5) -> tuple[float, float, float]:
    """Medians (ms) of: importing render_card, the first render_card, the second (a new text)."""
    samples = []
    for _ in range(runs):
        done = subprocess.run(
            [PYTHON, "-c", FIRST_RENDER], capture_output=True, text=True, check=True, env=env_with_token(), cwd=REPO
        )
        samples.append(tuple(float(v) for v in done.stdout.split()))
    return tuple(statistics.median(s[i] for s in samples) for i in range(3))  # type: ignore[return-value]


def cache_check(result: Result, style: CardStyle, channels: int = 300, threads: int = 32) -> None:
    calls = 0
    lock = threading.Lock()

    def counting_render(text: str, card_style: CardStyle) -> bytes:
        nonlocal calls
        with lock:
            calls += 1
        return render_card(text, card_style)

    text = "Phát huy sức mạnh khối đại đoàn kết toàn dân tộc, xây dựng quê hương giàu đẹp, văn minh!"
    with (
        mock.patch.object(cardstore, "render_card", counting_render),
        tempfile.TemporaryDirectory(prefix="danvan-cards-") as tmp,
    ):
        directory = Path(tmp)
        start = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            # A new CardStore per post, as the daemon's publisher makes one per slot.
            cards = list(pool.map(lambda _: CardStore(directory).get(text, style), range(channels)))
        burst_ms = (time.perf_counter() - start) * 1000
        hits = []
        for _ in range(50):
            elapsed, _data = timed(lambda: CardStore(directory).get(text, style).data)
            hits.append(elapsed)
        files = len(list(directory.glob("*.jpg")))
    result.metric(f"cache: render calls for one card asked by {channels} channels on {threads} threads", calls)
    result.metric("cache: files on disk", files)
    result.metric("cache: all channels got the same bytes", len({card.data for card in cards}) == 1)
    result.metric(f"cache: {channels} gets, wall (ms)", round(burst_ms, 1))
    result.metric("cache: one cached get from disk, median (ms)", round(median(hits), 3))
    result.check("cache: a card several channels post at one slot is rendered once", calls == 1 and files == 1)


def main(argv: list[str]) -> Result:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=60, help="number of distinct slogan texts")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    result = Result("render")
    style = CardStyle()
    print(f"render: {style.size[0]}x{style.size[1]} {style.format} cards, {args.texts} texts", flush=True)
    texts = slogan_texts(args.texts + 1)
    warm, texts = texts[0], texts[1:]
    render_card(warm, style)  # fonts, logo and engine versions loaded: what "cold" allows
    naive_render(warm, style)
    product_ms: list[float] = []
    product_cpu: list[float] = []
    naive_ms: list[float] = []
    naive_cpu: list[float] = []
    sizes: list[int] = []
    for text in texts:
        wall, cpu, data = timed_cpu(functools.partial(render_card, text, style))
        product_ms.append(wall)
        product_cpu.append(cpu)
        sizes.append(len(data))
        wall, cpu, _ = timed_cpu(functools.partial(naive_render, text, style))
        naive_ms.append(wall)
        naive_cpu.append(cpu)
    product, naive = median(product_ms), median(naive_ms)
    product_c, naive_c = median(product_cpu), median(naive_cpu)
    result.metric("texts (distinct, each rendered once)", len(texts))
    result.metric("product cold render median, wall / CPU (ms)", f"{product:.1f} / {product_c:.1f}")
    result.metric(
        "product cold render p90 / max, wall (ms)", f"{percentile(product_ms, 0.9):.1f} / {max(product_ms):.1f}"
    )
    result.metric("naive render median, wall / CPU (ms)", f"{naive:.1f} / {naive_c:.1f}")
    result.metric("ratio naive / product, wall medians", round(naive / product, 2))
    result.metric("ratio naive / product, CPU medians", round(naive_c / product_c, 2))
    result.metric("product card size median (KB)", round(median(sizes) / 1024))
    result.metric("load average during the run", " ".join(f"{v:.2f}" for v in os.getloadavg()))
    loop, encode = calibration_ms()
    result.metric(
        "yardstick: 300k-step Python loop / flat 1080x1080 JPEG encode (ms CPU)", f"{loop:.1f} / {encode:.1f}"
    )
    imported, first, second = first_render_in_fresh_process()
    result.metric("fresh process: import render_card (ms)", round(imported, 1))
    result.metric("fresh process: first render incl. font and logo loading (ms)", round(first, 1))
    result.metric("fresh process: second render, new text (ms)", round(second, 1))
    # CPU time of this single-threaded work is what the wall time is on an idle machine; a shared machine's
    # other processes inflate the wall time (both are reported above).
    result.check(f"render: cold 1080x1080 card median within {TARGET_MS:.0f} ms (CPU time)", product_c <= TARGET_MS)
    result.check(
        f"render: not slower than the naive renderer (CPU ratio {naive_c / product_c:.2f} >= {RATIO_TARGET})",
        naive_c / product_c >= RATIO_TARGET,
    )
    cache_check(result, style)
    result.save(args.json)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
