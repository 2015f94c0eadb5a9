"""The one registry of finding codes: code -> severity, kind and the Chinese message a township clerk reads.

Every message says where (the caller prefixes ``[sheet!cell]``), what was expected, what was found,
and how to fix it. Tests compare against this registry, never against a pasted copy of a message.
Placeholders: {label} column/field label, {expected}, {found}, plus code-specific ones (a placeholder the
caller leaves out reads as empty: E-FILE-XLS/ODS take a {reason} only when a conversion was tried).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
Kind = Literal["content", "identity", "file", "reader"]
"""What a finding is about: the clerk's content (colour rules, declared rules, sheets and tables), which
form and unit the file claims to be (identity), the file itself before any XML is parsed (file: an error
of this kind means the file is unreadable), or our side failing to check it (reader: a bug, a worker that
died, a template not installed here; unreadable too, not the clerk's fault, and a later run checks the
file again). Severity is the other axis: E- codes are errors, W- codes warnings, of any kind.
judgement.py turns both into a verdict; nothing else does. A code can also be for the bureau only (clerk=False:
kept in --json and the database, neither shown to the clerk nor counted in the verdict)."""


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    severity: Severity
    kind: Kind
    template: str
    clerk: bool = True  # False: for the bureau only (--json, status), not among the problems a clerk is shown


def _section(kind: Kind, *entries: tuple[str, str] | tuple[str, str, bool]) -> list[tuple[str, Code]]:
    """(code, message template[, shown to the clerk]) of one section of the registry, all of `kind`."""
    return [(e[0], Code(e[0], "error" if e[0].startswith("E-") else "warning", kind, e[1], *e[2:])) for e in entries]


CODES: dict[str, Code] = dict(
    _section(
        # --- content of a returned workbook: the colour rules -------------------------------
        "content",
        ("E-LOCKED-CHANGED", "表头、标题或说明（蓝/黄/绿色行）不可修改：应为「{expected}」，实际为「{found}」。请恢复原内容。"),
        ("E-PREFILLED-CHANGED", "灰色预填数据不可修改：应为「{expected}」，实际为「{found}」。请恢复原值。"),
        ("E-PRESET-MISSING", "下发的预置指标「{expected}」被删除或改动，未能找到。请恢复该行。"),
        ("E-REQUIRED-EMPTY", "「{label}」为必填项（黄色表头），不能为空。请填写。"),
        ("E-SPARE-FIELD-EMPTY", "本表是新增项目：「{label}」由单位填写，不能为空（项目编码、项目名称和预算数都要填写）。请填写。"),
        ("E-PLACEHOLDER", "「{label}」为必填项（黄色表头），「{found}」是占位文字，不是实际内容。请填写具体内容。"),
        ("E-FORMULA", "「{label}」不能填写公式，实际为「{found}」。请直接填写数值或文字。"),
        ("E-LIST-VALUE", "「{label}」应从下拉列表选择（{allowed}），实际为「{found}」。请重新选择。"),
        ("E-HIERARCHY", "二级指标「{found}」不属于一级指标「{parent}」，可选：{allowed}。请重新选择。"),
        ("E-NOT-NUMBER", "「{label}」应为数字，实际为「{found}」。请填写数字（不要带单位或文字）。"),
        ("E-NOT-INTEGER", "「{label}」应为整数，实际为「{found}」。请填写整数。"),
        ("E-NUMBER-FORMAT", "「{label}」应为数字，但单元格设成了{fmt}格式，显示为「{found}」，读到的数是 {expected}。"
         "请把单元格格式改为「常规」或「数值」，重新填写数字。"),
        ("E-NOT-DATE", "「{label}」应为日期，实际为「{found}」。请按 2025-01-01、20250101 或 2025年1月1日 的格式填写完整日期。"),
        ("E-UNIT-MISSING", "{switch}为「{op}」（定量指标）时，「{label}」不能为空。请填写计量单位，如 %、个、万元。"),
        ("E-QUALITATIVE-VALUE", "{switch}为「{op}」时，「{label}」应为文字（如 优、合格、有效提升），实际为「{found}」。"
           "如为数值请将{switch}改为{fix}。"),
        ("E-VALUE-UNPARSEABLE", "「{label}」无法识别为「[符号]数值[单位]」或定性文字：「{found}」。{hint}"),
        ("E-TOO-LONG", "「{label}」超过 {limit} 个字（实际 {found} 个字）。请精简。"),
        ("E-CELL-TOO-LONG", "单元格内容超过 Excel 的上限 {expected} 个字（实际 {found} 个字），只读取了前 {expected} 个字。"
         "Excel 保存的文件不会出现这种情况，请在 Excel/WPS 中精简后重新保存。"),
        ("W-OUTSIDE-FORM", "此处在表格范围之外，内容「{found}」未被读取。如需申报请填到表格的对应位置，否则请删除。"),
        ("W-TRUNCATED", "工作表在第 {expected} 行或第 {limit} 列之外还有内容，未被读取。请不要在表格以外的位置填写。"),
        ("W-FINDINGS-CUT", "问题太多（共 {found} 条），只列出前 {expected} 条（错误在前）。请先按列出的问题修改表格，再重新检查。"),
        ("W-NORMALISED", "「{label}」中的「{found}」已按规范识别为「{expected}」。建议改为规范写法。"),
        ("W-NAME-FORGIVEN", "「{label}」中的「{found}」已按标准名称识别为「{expected}」。建议从下拉列表选择标准名称。"),
        ("W-NO-OPERATOR", "「{label}」「{found}」没有比较符号，已按「=」理解。建议写明 ≥、≤ 或 =。",
         False),  # 「100%」 is how the provinces' own forms write it: read as =, kept in --json, not a clerk's problem
        # --- declarative rules (templates' rules:) ------------------------------------------
        ("E-SUM", "{label}（{found}）应等于 {parts}（合计 {expected}）。{changed}请核对{what}。"),
        ("E-TABLE-TOTAL", "{label}（{found}）应等于「{table}」{rows}「{column}」之和（{expected}）。{changed}请核对{what}。"),
        ("E-TABLE-TOTAL-FIXED", "「{table}」各行「{column}」之和应为 {expected}，实际为 {found}。{changed}请核对{what}。"),
        ("E-SHEET-TOTAL", "{label}（{found}）应等于各张表「{part}」之和（{expected}；{parts}）。请核对{what}。"),
        ("E-PLAN-ORDER", "资金支出计划应逐期累计不减少：{label}（{found}）小于 {prev_label}（{expected}）。请核对。"),
        ("E-PLAN-TOTAL", "{label}（{found}）应等于{total_label}（{expected}）。请核对资金支出计划。"),
        ("E-COST-OVER-BUDGET", "成本指标「{name}」的指标值（{found}）超过{total_label}（{expected}）。请核对金额或单位（元/万元）。"),
        ("E-LEVEL1-MISSING", "「{label}」缺少一级指标「{expected}」下的指标。每个必填一级指标至少填写一条。"),
        ("E-PERCENT-OVER-100", "「{name}」的指标值（{found}）超过 100%。满意度、比率类指标不能超过 100%。"),
        ("E-DEADLINE-YEAR", "「{name}」的完成时限（{found}）不在 {expected} 年度内。请核对日期。"),
        ("E-UNIT-REQUIRED", "「{name}」的「{label}」应以 {expected} 为单位，实际为「{found}」。请写明单位，如 ≥90%。"),
        ("W-RATE-QUALITATIVE", "「{name}」是比率类指标，「{label}」应为数值（如 ≥95%），实际为「{found}」。建议改为定量指标。"),
        ("W-ISSUED-INCONSISTENT", "下发数据不一致，请联系财政局：{detail}。这些灰色数据由财政局下发，填报单位无需修改。"),
        ("E-DATE-ORDER", "「{label}」（{found}）早于「{start}」（{expected}）。结束日期不能早于开始日期，请核对。"),
        ("E-DATE-YEAR", "「{label}」（{found}）不在 {expected} 年度内。请核对日期。"),
        ("E-PERIOD-YEAR", "「{start}」至「{label}」（{found}）与 {expected} 年度没有重叠。请核对起止日期。"),
        ("E-TOO-FEW-ROWS", "「{label}」至少应填写 {expected} 行，实际 {found} 行。请补充。"),
        ("E-DUPLICATE", "「{label}」「{found}」重复填写（另见 {other}）。请合并或修改。"),
    )
    + _section(
        # --- identity: which form, year and unit the file claims to be -------------------------
        "identity",
        ("W-NO-METADATA", "未找到模板标识信息（隐藏工作表缺失或损坏），已根据表头识别为「{expected}」。"),
        ("W-METADATA-VISIBLE", "模板标识工作表「{found}」已被设为可见或普通隐藏（可能经 WPS/LibreOffice 另存）。不影响读取。",
         False),  # every LibreOffice/WPS save does this; nothing for the clerk to fix
        ("E-FINGERPRINT", "下发内容的校验码不一致（应为 {expected}，实际为 {found}）：模板标识工作表被改动，或财政局下发后修改了模板而未更新版本号。请使用下发的原表填报；如未改动过表格，请联系财政局。"),
        ("W-IDENTITY-UNVERIFIED", "本机没有财政局的标识密钥，未能核验模板标识信息（单位「{found}」）是否被改动。"
         "财政局请在保存本局密钥的电脑上核查，或设置 XLTEMPLATES_KEY 指向本局的密钥文件。"),
        ("W-UNVERIFIED-NOT-CURRENT", "此文件看似单位「{found}」的报送，但{reason}，未计为该单位的报送"
         "（该单位的当前文件：{expected}），等待财政局确认。{fix}", False),
        ("E-IDENTITY-UNSIGNED", "模板标识信息没有财政局的签名（签名被删除，或是旧版工具生成的表格），"
         "无法确认表格的单位、年度和下发内容。请使用财政局本次下发的原表填报。"),
        ("E-IDENTITY-KEY-UNKNOWN", "表格的签名密钥 {found} 不在本机的密钥文件中（现有：{expected}），无法确认表格未被改动。"
         "如确为本局下发，财政局请换用签发时的密钥文件重新核查；否则请使用财政局下发的原表填报。"),
        ("E-IDENTITY-FORGED", "模板标识信息与财政局的签名不符：{found}。表格下发后被改动过，不能确认是财政局下发给本单位的表格，"
         "不予采信。请使用财政局下发的原表填报；如未改动过表格，请联系财政局。"),
        ("E-WRONG-TEMPLATE", "表格类型不符：应为「{expected}」，实际为「{found}」。请使用本次下发的表格填报。"),
        ("E-WRONG-YEAR", "年度不符：应为 {expected} 年度，实际为 {found} 年度。请使用本年度下发的表格填报。"),
        ("E-WRONG-UNIT", "单位不符：本链接属于「{expected}」，上传的表格属于「{found}」。请上传本单位的表格。"),
        ("E-WRONG-VERSION", "财政局已将本表格更新为 {expected} 版，您填报的是 {found} 版，无法按新版读取。"
           "请下载新版表格重新填报（已填内容可复制到新表的相同位置）。"),
        ("W-EARLIER-VERSION", "本表格按下发时的模板版本 {found} 读取（当前版本为 {expected}）。", False),
        ("E-IDENTITY-TEMPLATE", "模板标识工作表中的模板编号「{found}」不是有效的模板编号（只能由字母、数字、- 和 _ 组成）："
           "表格已被改动。请使用财政局下发的原表填报。"),
        ("E-UNKNOWN-TEMPLATE", "无法识别表格类型：未找到模板标识信息，表头也与已知模板不符（{found}）。请使用下发的表格填报。"),
    )
    + _section(
        # --- the form's sheets and tables, as the clerk's workbook holds them ------------------
        "content",
        ("E-SHEET-COPIED", "本表是复制工作表「{expected}」得到的：其中灰色的项目编码、项目名称等不能修改，复制的表不能用来填报新增项目。"
           "请把新增项目填在空白项目表（{spare}）中，然后删除本表；空白项目表不够时请联系财政局增发。"),
        ("E-SHEET-MISSING", "缺少工作表「{expected}」。请使用下发的表格填报，不要删除或重命名工作表。"),
        ("E-TABLE-NOT-FOUND", "未找到「{label}」的表头行（应为：{expected}）。请不要修改或删除表头行。"),
    )
    + _section(
        # --- the file itself (raised before any XML is parsed) --------------------------------
        "file",
        ("E-FILE-MISSING", "文件不存在或无法打开：{found}。"),
        ("E-FILE-NOT-WORKBOOK", "不是 Excel 工作簿（.xlsx）：{found}。请上传下发的 .xlsx 表格。"),
        ("E-FILE-ENCRYPTED", "工作簿设置了打开密码，无法读取。请在 Excel/WPS 中取消密码（文件→信息→保护工作簿）后另存为 .xlsx 再上传。"),
        ("E-FILE-XLS", "这是旧版 .xls 格式{reason}。请在 Excel/WPS 中「另存为」Excel 工作簿（.xlsx）后再上传。"),
        ("E-FILE-ODS", "这是 OpenDocument（.ods）格式{reason}。请「另存为」Excel 工作簿（.xlsx）后再上传。"),
        ("W-CONVERTED", "该文件是旧格式 {found} 文件，已自动转换为 .xlsx 后读取。下次请在 Excel/WPS 中「另存为」Excel 工作簿（.xlsx）后再上传。"),
        ("E-FILE-CORRUPT", "文件已损坏或不完整（{found}）。请重新保存后上传。"),
        ("E-FILE-TOO-LARGE", "文件解压后过大（{found}，上限 {expected}），疑似异常文件。请使用下发的表格填报。"),
        ("E-FILE-TOO-MANY-PARTS", "文件内部部件过多（{found} 个，上限 {expected} 个），疑似异常文件。请使用下发的表格填报。"),
        ("E-FILE-MACROS", "工作簿包含宏（VBA），出于安全原因不予读取。请另存为不含宏的 .xlsx 后再上传。"),
        ("E-FILE-EXTERNAL-LINKS", "工作簿包含指向其他文件的外部链接，出于安全原因不予读取。请在「数据→编辑链接」中断开链接后另存上传。"),
        ("E-FILE-TIMEOUT", "检查该文件超过 {expected} 仍未完成，疑似异常文件，已停止检查，其他文件不受影响。请使用下发的表格填报；如确为正常填报，请联系财政局。"),
        ("E-FILE-XML-UNSAFE", "文件内容含有不安全的 XML 结构（{found}），不予读取。请使用下发的表格填报。"),
    )
    + _section(
        # --- the file could not be checked for a reason on our side: checked again next run ------
        "reader",
        ("E-READ-FAILED", "读取该文件时发生程序内部错误（{found}），其他文件不受影响。请把该文件发给技术人员。"),
        ("E-TEMPLATE-NOT-INSTALLED", "表格注明的模板「{found}」不在本机的模板目录中（已查找：{expected}）。"
           "财政局请安装该模板或设置 XLTEMPLATES_PATH 后重新核查；填报单位无需修改表格。"),
    )
)


def lookup(code: str) -> Code:
    """The registry entry for `code`; an unknown code is a programming error."""
    return CODES[code]


def codes_of_kind(kind: Kind) -> frozenset[str]:
    """Every code of `kind` (e.g. to find the stored files whose check our reader failed)."""
    return frozenset(c.code for c in CODES.values() if c.kind == kind)
