"""The visitor page's own words in English and Chinese; document text is never translated."""

from __future__ import annotations

from seminar_qa.text import Language

LANGUAGES: dict[Language, str] = {"en": "English", "zh": "中文"}

_TEXT: dict[str, dict[Language, str]] = {
    "title": {"en": "Seminar Q&A", "zh": "研讨会问答"},
    "subtitle": {
        "en": "Answers are passages quoted from the seminar reports, with the source named.",
        "zh": "答案均直接引自研讨会报告原文，并注明出处。",
    },
    "welcome": {
        "en": "Hello! I answer questions from {reports}:",
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
    "copy_help": {
        "en": "Select the text, or use the copy button at the top right of the box.",
        "zh": "选中文字，或点击文本框右上角的复制按钮。",
    },
    "confidence": {"en": "Confidence", "zh": "可信度"},
    "conf_high": {"en": "Strong match", "zh": "高度相关"},
    "conf_medium": {"en": "Likely match", "zh": "较为相关"},
    "conf_low": {"en": "Possible match — check the passage", "zh": "可能相关——请核对原文"},
    "confidence_help": {
        "en": "How closely the passage matches your question. The highlighted sentence is the "
        "part most likely to answer it; always read it in context.",
        "zh": "段落与问题的匹配程度。高亮的句子最可能回答您的问题，请结合上下文阅读。",
    },
    "closest": {
        "en": "The reports may not say exactly this. The closest passage is:",
        "zh": "报告中可能没有确切的答案。最接近的段落是：",
    },
    "closest_help": {
        "en": "No passage clearly answers your question. This is the passage that comes "
        "closest; read it to judge for yourself.",
        "zh": "没有段落能明确回答您的问题。以下是最接近的段落，请阅读原文自行判断。",
    },
    "not_found": {
        "en": "This is not in these reports. I only answer from the seminar reports, and none of "
        "their passages answers this question.",
        "zh": "报告中没有相关内容。我只根据研讨会报告作答，报告中没有回答此问题的段落。",
    },
    "not_found_filtered": {
        "en": "You are searching only some documents; clear “Only these documents” in the "
        "sidebar to search them all.",
        "zh": "您只在部分文档中搜索；清空侧栏中的“仅限这些文档”即可搜索全部文档。",
    },
    "covers": {"en": "The reports cover:", "zh": "报告涉及："},
    "try_examples": {
        "en": "Try rephrasing with names, places or topics from these reports, or pick an "
        "example question above.",
        "zh": "请尝试使用报告中的人名、地名或主题重新提问，或点击上方的示例问题。",
    },
    "truncated": {
        "en": "Your question was long, so only its first {limit} characters were used.",
        "zh": "问题过长，仅使用了前 {limit} 个字符。",
    },
    "empty": {"en": "Please type a question.", "zh": "请输入问题。"},
    "sidebar_status": {"en": "Index", "zh": "索引"},
    "documents": {"en": "Documents", "zh": "文档"},
    "passages": {"en": "Passages", "zh": "段落"},
    "built_at": {"en": "Built", "zh": "构建时间"},
    "state_current": {"en": "Up to date with the reports", "zh": "已与报告同步"},
    "state_stale": {
        "en": "Out of date: the reports changed after this index was built, so the newest changes "
        "are not searchable yet. Staff: run `seminar-qa build`.",
        "zh": "索引已过期：报告在构建索引后有改动，最新内容暂时无法检索。管理员：请运行 "
        "`seminar-qa build`。",
    },
    "state_unknown": {
        "en": "Could not check whether the index is current.",
        "zh": "无法确认索引是否为最新。",
    },
    "state_none": {"en": "No index loaded.", "zh": "未加载索引。"},
    "how_many": {"en": "Passages to show", "zh": "显示段落数"},
    "filter": {"en": "Only these documents", "zh": "仅限这些文档"},
    "filter_help": {"en": "Leave empty to search all.", "zh": "留空则搜索全部。"},
    "filter_all": {"en": "All documents", "zh": "全部文档"},
    "language": {"en": "Language / 语言", "zh": "语言 / Language"},
    "clear": {"en": "Clear conversation", "zh": "清空对话"},
    "missing_index": {
        "en": "The reports have not been indexed yet. Staff: run `make run` or "
        "`seminar-qa build`, then reload this page.",
        "zh": "报告尚未建立索引。管理员：请运行 `make run` 或 `seminar-qa build`，然后刷新页面。",
    },
    "broken_index": {
        "en": "The reports cannot be searched right now: their index is damaged or was built by "
        "another version. Staff: rebuild it with `seminar-qa build`, then reload this page.",
        "zh": "暂时无法检索报告：索引已损坏或由其他版本生成。管理员：请运行 `seminar-qa build` "
        "重新构建，然后刷新页面。",
    },
    "staff_details": {"en": "Details for staff", "zh": "管理员详情"},
    "search_failed": {
        "en": "Something went wrong while searching: {reason}",
        "zh": "搜索时出错：{reason}",
    },
    "page": {"en": "page {page}", "zh": "第 {page} 页"},
    "feedback_prompt": {"en": "Did this answer help?", "zh": "这个回答有帮助吗？"},
    "feedback_thanks": {
        "en": "Thank you: your feedback was saved.",
        "zh": "谢谢，您的反馈已保存。",
    },
    "feedback_comment": {
        "en": "Add a comment (optional, then press Enter)",
        "zh": "补充说明（可选，输入后按回车）",
    },
    "feedback_failed": {
        "en": "Your feedback could not be saved: {reason}",
        "zh": "反馈未能保存：{reason}",
    },
    "passage_no": {"en": "passage {number}", "zh": "第 {number} 段"},
    "score": {"en": "score", "zh": "得分"},
    "answer": {"en": "answer", "zh": "答案"},
    # Punctuation between the page's words: Chinese takes its full-width forms ("出处：",
    # "（举办于 2024-11-28；UNESCO …）"), not the English ones.
    "labelled": {"en": "{label}: {value}", "zh": "{label}：{value}"},
    "aside": {"en": " ({value})", "zh": "（{value}）"},
    "list_separator": {"en": "; ", "zh": "；"},
    "comma": {"en": ", ", "zh": "，"},
}


def labelled(key: str, language: Language, value: str) -> str:
    """The page text ``key`` as a label of ``value``: "Source: …", "出处：…"."""
    return text("labelled", language, label=text(key, language), value=value)


def text(key: str, language: Language = "en", **values: object) -> str:
    """Return the page text ``key`` in ``language``, with ``values`` filled in."""
    entry = _TEXT[key]
    return entry.get(language, entry["en"]).format(**values)
