"""qr_svg and qr_png: every image decodes back to the exact input with zbarimg, not our code."""

import enum
import random
import re
import subprocess
import threading
import xml.etree.ElementTree as ET
import zlib

import pytest

import django_totp_native.core as core

SVG_NS = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ECC_LEVELS = ("L", "M", "Q", "H")
ECC_CAPACITY = {"L": 2953, "M": 2331, "Q": 1663, "H": 1273}  # bytes at version 40

# Skipped when missing on a developer's machine; a failure naming the program under CI.
needs_zbarimg = pytest.mark.oracle("zbarimg")
needs_rsvg = pytest.mark.oracle("rsvg-convert")

_rng = random.Random(20240611)

TEXTS = [
    "otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
    "otpauth://totp/ACME%20Co:john.doe%40email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"
    "&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30",
    "otpauth://totp/MixedCase:UserName?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPI"
    "&issuer=MixedCase&algorithm=SHA512&digits=8&period=60",
    "otpauth://hotp/Caf%C3%A9:z%C3%BC?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=7",
    "HELLO WORLD",
    "hello world",
    "MiXeD CaSe ShOuLd StAy",
    "A",
    "1234567890",
    "é",
    "café au lait",
    "Ünïcödé — “quotes” ‘single’ …",
    "日本語のテキスト",
    "中文测试：二维码",
    "한국어 텍스트",
    "Привет, мир",
    "مرحبا بالعالم",
    "emoji 😀🔐🎉 and 👩‍💻",
    "tabs\tand\nnewlines\r\n",
    "<svg> & \"quotes\" ]]> 'xml' chars",
    "otpauth://totp/" + "x" * 300 + "?secret=" + "A" * 52,
    "".join(_rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            for _ in range(900)),
]

BINARY = [
    b"\x00",
    b"\x00\x01\x02\xfd\xfe\xff",
    bytes(range(256)),
    "é".encode("latin-1"),  # not valid UTF-8: must survive untouched
    "日本".encode("shift_jis"),
    bytes(_rng.getrandbits(8) for _ in range(200)),
    bytearray(b"bytearray works too"),
]


def expected_bytes(data):
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def zbar_decode(png):
    # -Sbinary: no charset guessing (zbar otherwise reads 8-bit data as Shift-JIS or
    # Latin-1), and --raw: no trailing newline, so stdout is the payload byte for byte.
    result = subprocess.run(
        ["zbarimg", "--nodbus", "--raw", "-q", "-Sbinary", "-"],
        input=png, capture_output=True, timeout=30,
    )
    assert result.returncode == 0, f"zbarimg found no QR code (exit {result.returncode})"
    return result.stdout


def rasterise(svg, width):
    result = subprocess.run(
        ["rsvg-convert", "--format=png", "--width", str(width)],
        input=svg.encode("utf-8"), capture_output=True, timeout=30,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


def svg_extent(svg):
    match = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    assert match and match.group(1) == match.group(2)
    return int(match.group(1))


# BYTE_TO_DARK[b] is the 8 pixels of a 1-bit greyscale byte, most significant first;
# a clear bit is black.
BYTE_TO_DARK = [tuple(not (byte >> (7 - i)) & 1 for i in range(8)) for byte in range(256)]


def unfilter(kind, data, prior):
    """Undo PNG filter |kind| on one row (bpp is 1 byte for sub-byte depths)."""
    out = bytearray(data)
    for i in range(len(out)):
        left = out[i - 1] if i else 0
        up, up_left = prior[i], (prior[i - 1] if i else 0)
        if kind == 1:
            out[i] = (out[i] + left) & 0xFF
        elif kind == 2:
            out[i] = (out[i] + up) & 0xFF
        elif kind == 3:
            out[i] = (out[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            p = left + up - up_left
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
            pred = left if pa <= pb and pa <= pc else (up if pb <= pc else up_left)
            out[i] = (out[i] + pred) & 0xFF
        else:
            raise AssertionError(f"unknown PNG filter type {kind}")
    return bytes(out)


def read_png(png):
    """Return (width, height, rows of booleans: True = dark) after checking every chunk."""
    assert png.startswith(PNG_SIGNATURE)
    pos, chunks = len(PNG_SIGNATURE), []
    while pos < len(png):
        length = int.from_bytes(png[pos:pos + 4], "big")
        kind, body = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + length]
        assert len(body) == length, "truncated chunk"
        crc = int.from_bytes(png[pos + 8 + length:pos + 12 + length], "big")
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        pos += 12 + length
    assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    ihdr = chunks[0][1]
    assert len(ihdr) == 13
    width, height = int.from_bytes(ihdr[0:4], "big"), int.from_bytes(ihdr[4:8], "big")
    assert tuple(ihdr[8:13]) == (1, 0, 0, 0, 0), "not 1-bit greyscale, deflate, no interlace"
    raw = zlib.decompress(chunks[1][1])
    stride = (width + 7) // 8
    assert len(raw) == height * (stride + 1)
    rows, prior, previous_row = [], bytes(stride), None
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, data = line[0], line[1:]
        if kind == 2 and not any(data):
            data = prior  # "Up" over zeros: the row above again (qr_png repeats rows so)
        elif kind != 0:
            data = unfilter(kind, data, prior)
        if data != prior or previous_row is None:
            bits = [bit for byte in data for bit in BYTE_TO_DARK[byte]]
            previous_row = bits[:width]
        rows.append(previous_row)
        prior = data
    return width, height, rows


def module_grid(data, ecc):
    """The symbol's modules, read from a scale-1, border-0 PNG."""
    width, height, rows = read_png(core.qr_png(data, ecc=ecc, border=0, scale=1))
    assert width == height
    return rows


def svg_grid(svg):
    """Replay the path's runs; check each subpath is one merged horizontal run."""
    extent = svg_extent(svg)
    d = ET.fromstring(svg).find(f"{SVG_NS}path").get("d")
    runs = re.findall(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", d)
    assert "".join(f"M{x} {y}h{n}v1h-{m}z" for x, y, n, m in runs) == d, "unexpected path syntax"
    grid = [[False] * extent for _ in range(extent)]
    for x, y, n, m in runs:
        x, y, n = int(x), int(y), int(n)
        assert n == int(m) and n >= 1 and x + n <= extent
        assert x == 0 or not grid[y][x - 1], "adjacent runs were not merged"
        for k in range(x, x + n):
            assert not grid[y][k], "overlapping runs"
            grid[y][k] = True
    return grid


# --- decoding with zbarimg -------------------------------------------------------------

SVG_CASES = [
    pytest.param(text, ecc, 4, "#000000", "#ffffff", id=f"svg-{i}-{ecc}")
    for i, text in enumerate(TEXTS)
    for ecc in ECC_LEVELS
] + [
    pytest.param(data, ecc, 4, "#000", "#fff", id=f"svg-bin-{i}-{ecc}")
    for i, data in enumerate(BINARY)
    for ecc in ("L", "H")
] + [
    pytest.param(TEXTS[0], "M", border, "#000000", "#ffffff", id=f"svg-border-{border}")
    for border in (0, 1, 2, 3, 8, 16)
] + [
    pytest.param(TEXTS[1], "Q", 4, dark, light, id=f"svg-colour-{dark}-{light}")
    for dark, light in [
        ("#000", "#FFF"), ("#1a237e", "#ffffff"), ("#000000", "#ffff00"), ("#333", "#eee"),
        ("#7B1FA2", "#F3E5F5"), ("#003300", "#CCFFCC"), ("#222222", "#fafafa"),
    ]
]


@needs_zbarimg
@needs_rsvg
@pytest.mark.parametrize("data, ecc, border, dark, light", SVG_CASES)
def test_svg_decodes_to_the_exact_input(data, ecc, border, dark, light):
    svg = core.qr_svg(data, ecc=ecc, border=border, dark=dark, light=light)
    extent = svg_extent(svg)
    assert extent == len(module_grid(data, ecc)) + 2 * border
    png = rasterise(svg, extent * 4)
    assert zbar_decode(png) == expected_bytes(data)


PNG_CASES = [
    pytest.param(text, ecc, 4, (2, 3, 4, 6)[j % 4], id=f"png-{i}-{ecc}")
    for i, text in enumerate(TEXTS)
    for j, ecc in enumerate(ECC_LEVELS)
] + [
    pytest.param(data, ecc, 2, 3, id=f"png-bin-{i}-{ecc}")
    for i, data in enumerate(BINARY)
    for ecc in ("M", "Q")
] + [
    pytest.param(TEXTS[0], "M", border, scale, id=f"png-border-{border}-scale-{scale}")
    for border, scale in [(0, 4), (1, 2), (2, 8), (4, 16), (10, 2), (64, 2), (4, 24)]
]


@needs_zbarimg
@pytest.mark.parametrize("data, ecc, border, scale", PNG_CASES)
def test_png_decodes_to_the_exact_input(data, ecc, border, scale):
    png = core.qr_png(data, ecc=ecc, border=border, scale=scale)
    width, height, _ = read_png(png)
    assert width == height == (len(module_grid(data, ecc)) + 2 * border) * scale
    assert zbar_decode(png) == expected_bytes(data)


@needs_zbarimg
@pytest.mark.parametrize("ecc", ECC_LEVELS)
def test_largest_payload_at_each_level_decodes(ecc):
    data = "".join(_rng.choice("0123456789abcdefXYZ") for _ in range(ECC_CAPACITY[ecc]))
    png = core.qr_png(data, ecc=ecc, border=4, scale=4)
    width, _, _ = read_png(png)
    assert width == (177 + 8) * 4  # version 40
    assert zbar_decode(png) == data.encode()


# --- structure -------------------------------------------------------------------------


@pytest.mark.parametrize("border", [0, 4, 64])
@pytest.mark.parametrize("data", [TEXTS[0], "日本語", b"\x00\xff"])
def test_svg_is_one_merged_path_over_an_opaque_background(data, border):
    svg = core.qr_svg(data, border=border, dark="#102030", light="#FEFEFE")
    root = ET.fromstring(svg)  # well-formed XML, or this raises
    assert root.tag == f"{SVG_NS}svg"
    modules = module_grid(data, "M")
    extent = len(modules) + 2 * border
    assert root.get("viewBox") == f"0 0 {extent} {extent}"
    assert root.get("shape-rendering") == "crispEdges"
    children = list(root)
    assert [child.tag for child in children] == [f"{SVG_NS}rect", f"{SVG_NS}path"]
    rect, path = children
    # The background covers the whole viewBox in an opaque colour.
    assert rect.get("x", "0") == rect.get("y", "0") == "0"
    assert rect.get("width") == rect.get("height") == str(extent)
    assert rect.get("fill") == "#FEFEFE"
    assert path.get("fill") == "#102030"
    for element in (root, rect, path):
        assert element.get("opacity") is None and element.get("fill-opacity") is None
    assert svg.count("<path") == 1

    expected = [[False] * extent for _ in range(extent)]
    for y, row in enumerate(modules):
        for x, dark in enumerate(row):
            expected[y + border][x + border] = dark
    assert svg_grid(svg) == expected


@pytest.mark.parametrize("border, scale", [(0, 1), (4, 8), (1, 3), (2, 64), (64, 1)])
def test_png_pixels_are_the_modules_scaled(border, scale):
    data = TEXTS[0]
    modules = module_grid(data, "Q")
    width, height, rows = read_png(core.qr_png(data, ecc="Q", border=border, scale=scale))
    extent = len(modules) + 2 * border
    assert width == height == extent * scale
    for y in range(height):
        my = y // scale - border
        for x in range(0, width, max(1, scale // 2)):
            mx = x // scale - border
            inside = 0 <= mx < len(modules) and 0 <= my < len(modules)
            assert rows[y][x] == (inside and modules[my][mx]), (x, y)


def test_default_parameters():
    data = TEXTS[0]
    width, _, _ = read_png(core.qr_png(data))
    size = len(module_grid(data, "M"))
    assert width == (size + 8) * 8
    svg = core.qr_svg(data)
    assert svg_extent(svg) == size + 8
    assert 'fill="#000000"' in svg and 'fill="#ffffff"' in svg
    assert svg == core.qr_svg(data, ecc="M", border=4, dark="#000000", light="#ffffff")


def test_finder_patterns_sit_in_three_corners():
    for ecc in ECC_LEVELS:
        modules = module_grid(TEXTS[1], ecc)
        size = len(modules)
        assert (size - 17) % 4 == 0 and 21 <= size <= 177
        for left, top in [(0, 0), (size - 7, 0), (0, size - 7)]:
            for dy in range(7):
                for dx in range(7):
                    ring = min(dx, dy, 6 - dx, 6 - dy)
                    assert modules[top + dy][left + dx] == (ring != 1)


def test_smallest_version_is_chosen():
    # Byte-mode capacity of version 1: 17 bytes at L, 14 at M, 11 at Q, 7 at H.
    for ecc, fits in {"L": 17, "M": 14, "Q": 11, "H": 7}.items():
        assert len(module_grid("a" * fits, ecc)) == 21
        assert len(module_grid("a" * (fits + 1), ecc)) == 25


def test_data_is_byte_exact_and_case_preserved():
    assert core.qr_svg("otpauth://totp/ABC") != core.qr_svg("otpauth://totp/abc")
    assert core.qr_svg("é") == core.qr_svg("é".encode()) == core.qr_svg(bytearray("é".encode()))
    assert core.qr_png("日本") == core.qr_png("日本".encode())
    assert core.qr_svg("é") != core.qr_svg("é".encode("latin-1"))
    assert core.qr_svg(TEXTS[0]) == core.qr_svg(TEXTS[0])  # deterministic


def test_ecc_is_case_insensitive():
    for ecc in ECC_LEVELS:
        assert core.qr_svg("x", ecc=ecc.lower()) == core.qr_svg("x", ecc=ecc)
    assert core.qr_svg("x" * 100, ecc="L") != core.qr_svg("x" * 100, ecc="H")


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("render", [core.qr_svg, core.qr_png], ids=["svg", "png"])
def test_empty_and_too_long_data_raise_value_error(render):
    with pytest.raises(ValueError, match="must not be empty"):
        render("")
    with pytest.raises(ValueError, match="must not be empty"):
        render(b"")
    with pytest.raises(ValueError, match=r"too long: 8000 bytes; at most 2331 .* level M"):
        render("a" * 8000)
    for ecc, capacity in ECC_CAPACITY.items():
        render("a" * capacity, ecc=ecc)
        with pytest.raises(ValueError, match=f"at most {capacity}"):
            render("a" * (capacity + 1), ecc=ecc)
    # Multi-byte characters count as their UTF-8 bytes: 1166 * 2 > 2331.
    with pytest.raises(ValueError, match="too long: 2332 bytes"):
        render("é" * 1166)


@pytest.mark.parametrize("render", [core.qr_svg, core.qr_png], ids=["svg", "png"])
@pytest.mark.parametrize("ecc", ["", "X", "LM", "low", "m ", "ＭM"])
def test_bad_ecc_raises_value_error(render, ecc):
    with pytest.raises(ValueError, match='error correction level must be "L", "M", "Q" or "H"'):
        render("x", ecc=ecc)


@pytest.mark.parametrize(
    "colour",
    ["red", "#12", "#1234", "#12345", "#1234567", "#gggggg", "000000", "", "#",
     '"/><script>alert(1)</script>', "#fff\"", "#fff ", " #fff", "#ｆｆｆ", "rgb(0,0,0)"],
)
@pytest.mark.parametrize("which", ["dark", "light"])
def test_bad_colour_raises_value_error(which, colour):
    with pytest.raises(ValueError, match=f'{which} colour must be "#rgb" or "#rrggbb"') as info:
        core.qr_svg("x", **{which: colour})
    assert "script" not in str(info.value)


@pytest.mark.parametrize("border", [-1, 65, 10**30, -(10**30)])
def test_border_out_of_range_raises_value_error(border):
    with pytest.raises(ValueError, match=r"border must be 0\.\.64 modules"):
        core.qr_svg("x", border=border)
    with pytest.raises(ValueError, match=r"border must be 0\.\.64 modules"):
        core.qr_png("x", border=border)


@pytest.mark.parametrize("scale", [0, -1, 65, 10**30])
def test_scale_out_of_range_raises_value_error(scale):
    with pytest.raises(ValueError, match=r"scale must be 1\.\.64 pixels per module"):
        core.qr_png("x", scale=scale)


def test_lone_surrogate_raises_value_error():
    with pytest.raises(ValueError, match="data must be valid Unicode"):
        core.qr_svg("\ud800")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: core.qr_svg(123), "data must be bytes or str, not int"),
        (lambda: core.qr_png(None), "data must be bytes or str, not NoneType"),
        (lambda: core.qr_svg(["x"]), "data must be bytes or str, not list"),
        (lambda: core.qr_svg("x", ecc=1), "ecc must be a str, not int"),
        (lambda: core.qr_png("x", ecc=b"M"), "ecc must be a str, not bytes"),
        (lambda: core.qr_svg("x", border="4"), "border must be an int, not str"),
        (lambda: core.qr_svg("x", border=4.0), "border must be an int, not float"),
        (lambda: core.qr_png("x", border=True), "border must be an int, not bool"),
        (lambda: core.qr_png("x", scale=None), "scale must be an int, not NoneType"),
        (lambda: core.qr_png("x", scale=2.5), "scale must be an int, not float"),
        (lambda: core.qr_svg("x", dark=b"#000"), "dark must be a str, not bytes"),
        (lambda: core.qr_svg("x", light=0xFFFFFF), "light must be a str, not int"),
    ],
)
def test_wrong_types_raise_type_error(call, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        call()


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        core.qr_svg("x", "M")
    with pytest.raises(TypeError):
        core.qr_png("x", "M", 4, 8)
    with pytest.raises(TypeError):
        core.qr_png("x", colour="#000")


def test_integer_like_arguments_are_accepted():
    class Quiet(enum.IntEnum):
        STANDARD = 4

    assert core.qr_png("x", border=Quiet.STANDARD, scale=Quiet.STANDARD) == core.qr_png(
        "x", border=4, scale=4
    )


# --- threads ---------------------------------------------------------------------------


def test_concurrent_rendering_matches_single_threaded():
    jobs = [("svg", text, ecc) for text in TEXTS[:12] for ecc in ECC_LEVELS]
    jobs += [("png", text, ecc) for text in TEXTS[12:] + BINARY for ecc in ("L", "H")]

    def render(kind, data, ecc):
        if kind == "svg":
            return core.qr_svg(data, ecc=ecc, border=3, dark="#123456", light="#fedcba")
        return core.qr_png(data, ecc=ecc, border=3, scale=5)

    expected = [render(*job) for job in jobs]
    results, errors = [None] * 8, []
    start = threading.Barrier(8)

    def worker(index):
        try:
            start.wait()
            order = list(range(len(jobs)))
            random.Random(index).shuffle(order)
            out = [None] * len(jobs)
            for _ in range(3):
                for i in order:
                    out[i] = render(*jobs[i])
            results[index] = out
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    for out in results:
        assert out == expected

