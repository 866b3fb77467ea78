"""The visitor page's own words in English and Chinese; document text is never translated."""

from __future__ import annotations

from typing import Literal

Language = Literal["en", "zh"]
LANGUAGES: dict[Language, str] = {"en": "English", "zh": "中文"}

_TEXT: dict[str, dict[Language, str]] = {
    "title": {"en": "Seminar Q&A", "zh": "研讨会问答"},
    "subtitle": {
        "en": "Answers are passages quoted from the seminar reports, with the source named.",
        "zh": "答案均直接引自研讨会报告原文，并注明出处。",
    },
    "welcome": {
        "en": "Hello! I answer questions from {count} seminar report(s):",
        "zh": "您好！我可以根据以下 {count} 份研讨会报告回答问题：",
    },
    "welcome_hint": {
        "en": "Ask in English or Chinese. Try one of these:",
        "zh": "可以用中文或英文提问。试试这些问题：",
    },
    "input": {"en": "Ask a question about the seminar…", "zh": "请输入关于研讨会的问题…"},
    "held": {"en": "held {date}", "zh": "举办于 {date}"},
    "published": {"en": "published {date}", "zh": "发布于 {date}"},
    "best": {"en": "Best passage", "zh": "最佳段落"},
    "more": {"en": "More passages ({count})", "zh": "更多段落（{count}）"},
    "source": {"en": "Source", "zh": "出处"},
    "copy": {"en": "Copy passage and citation", "zh": "复制段落与出处"},
    "confidence": {"en": "Confidence", "zh": "可信度"},
    "conf_high": {"en": "Strong match", "zh": "高度相关"},
    "conf_medium": {"en": "Likely match", "zh": "较为相关"},
    "conf_low": {"en": "Possible match — check the passage", "zh": "可能相关——请核对原文"},
    "not_found": {
        "en": "This is not in these reports. I only answer from the seminar reports, and none of "
        "their passages answers this question.",
        "zh": "报告中没有相关内容。我只根据研讨会报告作答，报告中没有回答此问题的段落。",
    },
    "covers": {"en": "The reports cover:", "zh": "报告涉及："},
    "truncated": {
        "en": "Your question was long, so only its first {limit} characters were used.",
        "zh": "问题过长，仅使用了前 {limit} 个字符。",
    },
    "empty": {"en": "Please type a question.", "zh": "请输入问题。"},
    "sidebar_status": {"en": "Index", "zh": "索引"},
    "documents": {"en": "Documents", "zh": "文档"},
    "passages": {"en": "Passages", "zh": "段落"},
    "built_at": {"en": "Built", "zh": "构建时间"},
    "state_current": {"en": "Current", "zh": "最新"},
    "state_stale": {
        "en": "Stale: the corpus changed since this build",
        "zh": "已过期：语料在构建后有变动",
    },
    "state_unknown": {"en": "Unknown", "zh": "未知"},
    "how_many": {"en": "Passages to show", "zh": "显示段落数"},
    "filter": {"en": "Only these documents", "zh": "仅限这些文档"},
    "filter_help": {"en": "Leave empty to search all.", "zh": "留空则搜索全部。"},
    "language": {"en": "Language / 语言", "zh": "语言 / Language"},
    "clear": {"en": "Clear conversation", "zh": "清空对话"},
    "missing_index": {
        "en": "The reports have not been indexed yet. Staff: run `make run` or "
        "`seminar-qa build`, then reload this page.",
        "zh": "报告尚未建立索引。管理员：请运行 `make run` 或 `seminar-qa build`，然后刷新页面。",
    },
    "broken_index": {
        "en": "The index cannot be used: {reason}",
        "zh": "索引无法使用：{reason}",
    },
    "search_failed": {
        "en": "Something went wrong while searching: {reason}",
        "zh": "搜索时出错：{reason}",
    },
    "page": {"en": "page {page}", "zh": "第 {page} 页"},
    "passage_no": {"en": "passage {number}", "zh": "第 {number} 段"},
}


def text(key: str, language: Language = "en", **values: object) -> str:
    """Return the page text ``key`` in ``language``, with ``values`` filled in."""
    entry = _TEXT[key]
    return entry.get(language, entry["en"]).format(**values)
