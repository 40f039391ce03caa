"""The printable contribution statement (参保缴费记录单) as a PDF.

Chinese text needs a CJK font: a TrueType font is embedded when one is installed (WenQuanYi or
Noto CJK, or ``FLEXCOVER_PDF_FONT``); otherwise the PDF names Adobe's standard ``STSong-Light``,
which every PDF reader supplies.
"""

from __future__ import annotations

import io
import os
from datetime import date
from functools import cache
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from flexcover.contributions.record import Record
from flexcover.kit.money import format_yuan

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
SCHEMES = {"employee_pension": "职工基本养老保险", "employee_medical": "职工基本医疗保险"}
STATUS = {
    "paid": "已缴",
    "open": "待缴",
    "arrears": "欠缴",
    "gap": "中断",
    "paused": "暂停",
    "not_billed": "未出账",
}


@cache
def _font() -> str:
    chosen = os.environ.get("FLEXCOVER_PDF_FONT")
    for candidate in ([chosen] if chosen else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            pdfmetrics.registerFont(TTFont("FlexcoverCJK", candidate, subfontIndex=0))
            return "FlexcoverCJK"
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def statement_pdf(record: Record, *, issued_on: date) -> bytes:
    """The whole record, scheme by scheme and month by month, with totals."""
    font = _font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14)
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title="参保缴费记录",
        author="flexcover",
    )
    story: list[object] = [
        Paragraph("参保缴费记录 Contribution record", title),
        Paragraph(
            f"姓名 {record.name}　身份证号码 {record.id_masked}　出具日期 {issued_on.isoformat()}",
            body,
        ),
        Spacer(1, 6 * mm),
    ]
    for scheme in record.schemes:
        account = format_yuan(scheme.personal_account_fen, grouping=True)
        name = SCHEMES.get(scheme.scheme, scheme.scheme)
        story.append(
            Paragraph(
                f"{name}：已缴 {scheme.contribution_months} 个月，中断 {scheme.gap_months} 个月，"
                f"个人账户余额 {account} 元",
                body,
            )
        )
        rows = [["月份", "状态", "缴费基数", "应缴", "实缴", "补贴"]]
        for month in scheme.months:
            rows.append(
                [
                    month.month
                    + ("（补缴）" if month.kind == "makeup" else "")
                    + ("（暂定）" if month.provisional else ""),
                    STATUS.get(month.status, month.status),
                    format_yuan(month.base_fen, grouping=True)
                    if month.base_fen is not None
                    else "—",
                    format_yuan(month.due_fen, grouping=True),
                    format_yuan(month.paid_fen, grouping=True),
                    format_yuan(month.subsidy_fen, grouping=True),
                ]
            )
        table = Table(
            rows,
            repeatRows=1,
            hAlign="LEFT",
            colWidths=[30 * mm, 18 * mm, 30 * mm, 28 * mm, 28 * mm, 24 * mm],
        )
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("FONTSIZE", (0, 0), (-1, -1), 9),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                    ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c8d0da")),
                ]
            )
        )
        story += [Spacer(1, 2 * mm), table, Spacer(1, 6 * mm)]
    story.append(
        Paragraph("本记录由 flexcover 根据参保登记、账单和缴费流水生成，金额单位为元。", body)
    )
    document.build(story)
    return out.getvalue()
