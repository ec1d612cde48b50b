"""`python -m bot checkpoints --out DIR`: a printable QR code per checkpoint.

Each code is the bot's deep link for its checkpoint; a guard who scans it
with the phone's camera opens the bot and the scan is logged. Every PNG has
the checkpoint's name under the code (in a CJK font where the machine has
one), and `checkpoints.html` puts them all on one sheet for printing.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

from workflow.estate import Checkpoint, EstateConfig, Language

CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


def link(bot_username: str, checkpoint: Checkpoint) -> str:
    return f"https://t.me/{bot_username}?start=cp-{checkpoint.id}"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in CJK_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def card_image(bot_username: str, checkpoint: Checkpoint, language: Language) -> Image.Image:
    buffer = io.BytesIO()
    segno.make(link(bot_username, checkpoint), error="m").save(
        buffer, kind="png", scale=12, border=4
    )
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    font = _font(36)
    caption = f"{checkpoint.name.in_language(language)}  ({checkpoint.id})"
    width = max(code.width, int(ImageDraw.Draw(code).textlength(caption, font=font)) + 40)
    image = Image.new("RGB", (width, code.height + 70), "white")
    image.paste(code, ((width - code.width) // 2, 0))
    draw = ImageDraw.Draw(image)
    text_width = draw.textlength(caption, font=font)
    draw.text(((width - text_width) / 2, code.height + 10), caption, fill="black", font=font)
    return image


def write_sheet(estate: EstateConfig, bot_username: str, out: Path) -> list[Path]:
    """Write one PNG per checkpoint and the HTML sheet; returns the PNGs."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for checkpoint in estate.checkpoints:
        path = out / f"{checkpoint.id}.png"
        card_image(bot_username, checkpoint, estate.default_language).save(path)
        written.append(path)
    cells = "\n".join(
        f'<figure><img src="{html.escape(p.name)}" alt=""><figcaption>'
        f"{html.escape(c.name.in_language(estate.default_language))}<br><small>{html.escape(c.id)}</small></figcaption></figure>"
        for p, c in zip(written, estate.checkpoints, strict=True)
    )
    (out / "checkpoints.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>"
        f"{html.escape(estate.name.in_language(estate.default_language))}</title><style>body{{font-family:sans-serif}}"
        "main{display:grid;grid-template-columns:repeat(3,1fr);gap:1cm}"
        "img{width:100%}figure{break-inside:avoid;text-align:center}</style>"
        f"<h1>{html.escape(estate.name.in_language(estate.default_language))}</h1><main>{cells}</main>",
        encoding="utf-8",
    )
    return written
