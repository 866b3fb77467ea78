"""An index's pinyin names: what is kept, how a Chinese question's names are found and glossed."""

from __future__ import annotations

from pathlib import Path

from seminar_qa.answering import Assistant
from seminar_qa.bridges import bridged_tokens, gloss_translation
from seminar_qa.english_names import in_english
from seminar_qa.index import SeminarIndex
from seminar_qa.into_chinese import in_chinese, romanised_names, written_in
from seminar_qa.names import NO_SPELLINGS, chinese_names, spellings_of
from seminar_qa.pipeline import build_index
from seminar_qa.retrieval.encoders import model_texts
from seminar_qa.settings import Settings
from seminar_qa.testing.fakes import HashingEmbedder

REPORT = (
    "The seminar began with an address by Han Chonghu, Director of the Division. "
    "Professor Zhang Minxuan spoke next, and teachers from Songyi Experimental School showed "
    "their work. Women from the Linde Forum came too, and the bureau of Minhang spoke last."
)
SPELLINGS = spellings_of([REPORT])


def test_names_are_kept_under_their_syllables_and_sentence_openings_are_not() -> None:
    by_sound = SPELLINGS.by_sound
    assert by_sound["hanchonghu"] == "Han Chonghu"  # a surname, then the given name
    assert by_sound["zhangminxuan"] == "Zhang Minxuan"
    assert by_sound["songyi"] == "Songyi"  # one word of two syllables inside a sentence
    assert "women" not in by_sound  # "Women" opens a sentence: an English word spelling pinyin
    assert "the" not in by_sound and "seminar" not in by_sound


def test_a_question_run_that_reads_as_a_name_is_that_name() -> None:
    assert SPELLINGS.found("张民选教授说了什么？") == {"张民选": "Zhang Minxuan"}
    # Other characters of the same sound are the same name (淞谊 for 松一: both "song yi").
    assert SPELLINGS.found("淞谊实验学校展示了什么？") == {"淞谊": "Songyi"}
    # A dictionary word is read by the dictionary (我们 "we", not "Women"), and a name is whole
    # words of jieba's: 林的 in 雨林|的 reads "lin de" but starts inside a word, 松一 in 松|一口气
    # "song yi" but ends inside one.
    assert SPELLINGS.found("我们在雨林的哪里？") == {}
    assert SPELLINGS.found("会后大家松一口气") == {}
    assert NO_SPELLINGS.found("张民选教授说了什么？") == {}


def test_a_name_may_read_a_character_otherwise_than_its_first_reading() -> None:
    # 行 reads xing first, hang in 闵行 (Minhang), which CC-CEDICT lacks: "闵行有什么经验？" was
    # glossed "Min Xing experience" and met the wrong paragraph.
    assert SPELLINGS.found("闵行有什么经验？") == {"闵行": "Minhang"}
    assert gloss_translation("闵行有什么经验？", SPELLINGS) == "what Minhang experience"
    # The readings are the character's own: 闵性 reads min xing only.
    assert SPELLINGS.found("闵性有什么经验？") == {}


def test_a_name_is_looked_for_only_where_a_reading_opens_one() -> None:
    # What spares the dictionaries most lookups: 闵 (min) opens "Minhang", 长 by its second
    # reading (zhang, chang) "Changning", 淞 (song) "Songyi" of the text; 我 (wo) opens none.
    spellings = spellings_of(["Teachers from Minhang, Changning and Songyi spoke."])
    assert spellings.may_open("闵") and spellings.may_open("长") and spellings.may_open("淞")
    assert not spellings.may_open("我") and not NO_SPELLINGS.may_open("闵")


def test_the_multilingual_models_read_a_found_name_as_the_index_spells_it() -> None:
    # E5 and USE read 闵行 and 熊秋菊 poorly and "Minhang" as the passage writes it: the question
    # they read carries the index's spelling (the gloss goes to MiniLM, which reads no Chinese).
    e5 = HashingEmbedder()
    (text,) = model_texts(e5, ["闵行有什么经验？"], SPELLINGS)
    assert text.split() == ["Minhang", "有什么经验？"]
    assert model_texts(e5, ["闵行有什么经验？"]) == ["闵行有什么经验？"]
    assert model_texts(e5, ["Who spoke for Minhang?"], SPELLINGS) == ["Who spoke for Minhang?"]


def test_a_rare_name_the_dictionary_spells_by_sound_is_written_as_the_text_writes_it() -> None:
    spellings = spellings_of(
        [
            "Xiong Qiuju, Director of the Changning District Education Bureau, spoke in Shanghai. "
            "Baoshan and Denver sent teachers."
        ]
    )
    # 长宁 ("Changning County in Yibin", "Changning District in Shanghai"): the longest run of a
    # definition's name that the text has; 宝山区 ("Baoshang district of Shanghai", "Baoshan
    # district of ..."): its own name, not the city it is placed in.
    assert in_english("长宁有什么经验？", spellings).split() == [
        "Changning",
        "District",
        "有什么经验？",
    ]
    assert in_english("长宁区有什么经验？", spellings).split() == ["Changning", "有什么经验？"]
    assert in_english("宝山区做了什么？", spellings).split() == ["Baoshan", "做了什么？"]
    # Not a name the models know in both scripts (上海, counted 16,377 times by jieba), nor one
    # English translates rather than spells by sound (丹佛, "Denver"), nor one the text lacks.
    for question in ("上海做了什么？", "丹佛做了什么？", "徐汇区做了什么？"):
        assert in_english(question, spellings) == question
    # ... and the index's pinyin names as NameSpellings finds them.
    assert in_english("熊秋菊介绍了什么？", spellings).split() == ["Xiong", "Qiuju", "介绍了什么？"]


def test_a_surname_before_a_title_is_the_person_of_that_surname() -> None:
    # Chinese names a person by surname and title (张教授, Professor Zhang): 张 alone is glossed
    # "sheet", and the question met Professor Wang Gong's paragraph.
    assert SPELLINGS.found("张教授说了什么？") == {"张": "Zhang"}
    assert gloss_translation("张教授说了什么？", SPELLINGS) == "what Zhang professor"
    assert SPELLINGS.respelled("张教授说了什么？", blank=True).split() == ["教授说了什么？"]
    # Not a surname's character inside a word (主张 "advocate", 熊猫 "panda"), nor a surname no
    # one in the text has (李教授).
    assert SPELLINGS.found("主张教授治校") == {}
    assert SPELLINGS.found("熊猫局长") == {}
    assert SPELLINGS.found("李教授是谁？") == {}


def test_the_bridges_write_a_found_name_as_the_index_spells_it() -> None:
    question = "张民选是谁？"
    # Without the index's names jieba cuts the name into 张 ("sheet") and 民选 ("elected").
    assert "elected" in gloss_translation(question)
    assert gloss_translation(question, SPELLINGS) == "who Zhang Minxuan"
    tokens = bridged_tokens(question, SPELLINGS)
    assert {"zhang", "minxuan"} <= set(tokens) and "elect" not in tokens
    assert {"py_zhang", "py_min", "py_xuan"} <= set(tokens)  # the sounds stay
    (name,) = chinese_names(question, SPELLINGS)
    assert name.word == "张民选" and name.english == (frozenset({"zhang", "minxuan"}),)
    assert chinese_names(question) == ()


def test_an_organisation_is_also_named_by_its_acronym_and_initials() -> None:
    # The report writes "UN Public Digital Learning Portal": 联合国 ("United Nations") was a name
    # the passage lacked, and a question about the portal in Chinese was "closest" at best.
    (un,) = chinese_names("联合国公共数字学习门户是什么？")
    assert un.held_by("the UN Public Digital Learning Portal", frozenset({"un", "portal"}))
    assert frozenset({"abc"}) in chinese_names("美国广播公司的总裁是谁？")[0].english
    # Not an acronym: a definition that only mentions one, nor CC-CEDICT's classifier mark.
    # "China Central Television (CCTV), PRC state TV network": CCTV, not PRC.
    cctv = chinese_names("中央电视台在哪里？")[0].english
    assert frozenset({"cctv"}) in cctv and frozenset({"prc"}) not in cctv
    # Initials only of a definition that opens with capitalised words: not "Liberation Army"
    # out of "People's Liberation Army" (LA).
    assert chinese_names("解放军在哪里？")[0].english == (frozenset({"peopl"}),)
    assert chinese_names("海洋动物吃什么？")[0].english == ()


def test_an_index_reads_its_names_only_when_asked_in_chinese(settings: Settings) -> None:
    # Reading them took 0.23 s over 8,040 passages: an English question must not pay it.
    build_index(settings)
    index = SeminarIndex.load(settings.index_dir)
    assistant = Assistant(index)
    assistant.answer("Who leads the Changning District Education Bureau?")
    assert "_tables" not in vars(index.name_spellings)
    assistant.answer("熊秋菊是谁？")
    assert "_tables" in vars(index.name_spellings)
    assert index.name_spellings.by_sound["xiongqiuju"] == "Xiong Qiuju"


CHINESE_TEXT = (
    "李成栋，字廷桢，明末将领。李成栋原为李自成部将，后降清。",
    "武穴酥糖是湖北武穴的特产。生物学家研究了武穴的酥糖作坊。",
    "索靖善写草书。所经之地皆有碑刻。",
    "张民选教授讲话。",
)


def test_an_english_question_finds_its_romanised_names_in_the_chinese_text() -> None:
    # Runs of capitalised pinyin words of two syllables or more; not English words that happen
    # to spell pinyin ("Heritage Site": he ri ta ge, si te), nor one syllable alone ("Long").
    names = romanised_names("Was Li Chengdong a Heritage Site of Wuxue or the Long March?")
    assert [syllables for _, _, syllables in names] == [("li", "cheng", "dong"), ("wu", "xue")]
    # A capitalised word inside a longer one is no name: "Geo" of GeoGebra (ge o), "Ma" of MathML.
    assert romanised_names("Did Li Ming use GeoGebra or MathML?") == [(4, 11, ("li", "ming"))]
    text = "\n".join(CHINESE_TEXT)
    assert written_in(("li", "cheng", "dong"), text) == "李成栋"
    # The most frequent run that reads so, when no other is half as frequent: 武穴 (3) against
    # 物学 of 生物学 (1); 索靖 (1) against 所经 (1) is no choice.
    assert written_in(("wu", "xue"), text) == "武穴"
    assert written_in(("suo", "jing"), text) is None
    assert written_in(("wu", "xue"), "武穴，武穴，生物学") is None  # 物学 half as frequent
    assert written_in(("zzz", "jing"), text) is None


def test_e5_reads_an_english_question_with_its_names_as_the_chinese_text_writes_them() -> None:
    spellings = spellings_of(["Professor Zhang Minxuan spoke."], CHINESE_TEXT)
    question = "What was Li Chengdong's courtesy name?"
    assert in_chinese(question, spellings) == "What was 李成栋's courtesy name?"
    # Not a name the index's English text writes itself, nor over an index without Chinese text.
    assert in_chinese("Who is Zhang Minxuan?", spellings) == "Who is Zhang Minxuan?"
    assert in_chinese(question, SPELLINGS) == question

    class E5(HashingEmbedder):
        name = "e5"

    assert model_texts(E5(), [question], spellings) == ["What was 李成栋's courtesy name?"]
    assert model_texts(HashingEmbedder(), [question], spellings) == [question]  # USE, say


def test_an_index_looks_for_a_romanised_name_only_in_the_passages_that_sound_like_it(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "li.md").write_text("# 李成栋\n\n李成栋，字廷桢，明末将领。\n", encoding="utf-8")
    (corpus / "other.md").write_text("# 武穴\n\n武穴酥糖是湖北的特产。\n", encoding="utf-8")
    (corpus / "english.md").write_text("# Notes\n\nThe seminar met in May.\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "ix", embedder="hashing")
    build_index(settings)
    spellings = SeminarIndex.load(settings.index_dir).name_spellings
    # The sound BM25 narrows the search (all the Chinese text took up to 1 s a name over five
    # million characters): the passage that names 李成栋, not the one about Wuxue.
    about = spellings.chinese_about(("li", "cheng", "dong"))
    assert "李成栋" in about and "武穴" not in about
    assert in_chinese("Who was Li Chengdong?", spellings) == "Who was 李成栋?"
    assert spellings.chinese_about(("qiao", "dan")) == ""  # no passage sounds so


def test_a_title_is_no_part_of_the_name_before_it() -> None:
    # jieba keeps 孙博士 (Dr. Sun) as one word: its name is 孙, met by "Dr. Sun Yang"; the
    # title's syllables (bo shi) counted as missing from his paragraph.
    (sun,) = chinese_names("孙博士介绍了什么？")
    assert sun.english == (frozenset({"py_sun"}),)
    # A surname alone before a title, a word of its own (刘|局长), names a person too: one the
    # report does not name is missing from it.
    (liu,) = chinese_names("刘局长是谁？")
    assert liu.word == "刘" and liu.english == (frozenset({"py_liu"}),)
    # Not a title without a surname, nor a word that only starts with a surname's character.
    assert chinese_names("教授是谁？") == ()
    assert all(name.word != "高校长" for name in chinese_names("高校长期发展"))
