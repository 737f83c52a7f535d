"""The designer-owned knowledge (data/knowledge/*.yml) is consistent, and the jieba
dictionary generated from it is committed in sync."""

import re
from collections import Counter

import pytest

from actions.triage import questions
from actions.triage import state as triage_state
from language.knowledge_files import knowledge
from safety import red_flags as rf
from language import symptoms as sx

SYMPTOMS = knowledge("symptoms")
QUESTIONS = knowledge("triage_questions")
RED_FLAGS = knowledge("red_flags")
SYMPTOM_IDS = {s["id"] for s in SYMPTOMS["symptoms"]}
QUESTION_IDS = {q["id"] for q in QUESTIONS["questions"]}
RED_FLAG_IDS = {r["id"] for r in RED_FLAGS["red_flags"]}
VALID_DEPARTMENTS = set(triage_state.DEPARTMENTS)


def test_the_hospital_departments():
    assert len(triage_state.DEPARTMENTS) == 29 == len(VALID_DEPARTMENTS)


def test_enough_symptoms_with_unique_ids():
    ids = [s["id"] for s in SYMPTOMS["symptoms"]]
    assert len(ids) >= 150
    assert len(ids) == len(set(ids))


def test_every_symptom_is_complete():
    for s in SYMPTOMS["symptoms"]:
        assert s["name"] and s["synonyms"] and s["departments"], s["id"]
        assert s.get("urgency", "routine") in ("routine", "today"), s["id"]  # emergencies come from red flags
        assert s.get("severe_urgency", "today") in ("routine", "today"), s["id"]
        assert all(isinstance(w, (int, float)) and w > 0 for w in s["departments"].values()), s["id"]
        if s.get("self_care_days"):
            assert s.get("return_if"), f"{s['id']}: self care needs return_if"


def test_every_department_name_is_valid():
    used = []
    for s in SYMPTOMS["symptoms"]:
        used += list(s["departments"])
    for q in QUESTIONS["questions"]:
        for effect in (q.get("effects") or {}).values():
            used += list((effect or {}).get("boost", {}))
    for combo in SYMPTOMS["combinations"]:
        used += list(combo.get("boost", {}))
    demo = SYMPTOMS["demographics"]
    used += demo["child_remap"] + demo["pregnancy_remap"] + demo["female_only"]
    assert set(used) <= VALID_DEPARTMENTS, set(used) - VALID_DEPARTMENTS


def test_no_synonym_belongs_to_two_symptoms():
    owners = Counter()
    for s in SYMPTOMS["symptoms"]:
        for word in set(s["synonyms"]):
            owners[word] += 1
    owners.update(set(SYMPTOMS.get("ignore", [])))
    assert [w for w, n in owners.items() if n > 1] == []


def test_every_referenced_question_exists():
    for s in SYMPTOMS["symptoms"]:
        assert set(s.get("questions", [])) <= QUESTION_IDS, s["id"]
    assert set(QUESTIONS["general"]) <= QUESTION_IDS
    assert len(QUESTION_IDS) == len(QUESTIONS["questions"])


def test_every_question_is_used_and_well_formed():
    referenced = set(QUESTIONS["general"])
    for s in SYMPTOMS["symptoms"]:
        referenced |= set(s.get("questions", []))
    assert QUESTION_IDS <= referenced, QUESTION_IDS - referenced
    for q in questions.load_knowledge().questions.values():
        assert q.text.endswith(("？", "。")) and len(q.text) <= 60, q.id
        assert q.why.startswith("问这个是因为") and q.why.endswith("。"), q.id
        values = [o.value for o in q.options]
        assert len(values) == len(set(values)) and len(values) >= 2, q.id


def test_every_answer_option_maps_somewhere():
    kb = questions.load_knowledge()
    for q in kb.questions.values():
        values = {o.value for o in q.options}
        assert set(q.effects) <= values, q.id
        assert set(q.understands) <= values and set(q.mentions) <= values, q.id
        for option in q.options:
            if option.value == triage_state.UNKNOWN:
                continue
            linked = q.symptom or q.fact
            assert linked or option.value in q.effects, f"{q.id}: {option.value} goes nowhere"
        assert q.symptom is None or q.symptom in SYMPTOM_IDS, q.id
        assert q.fact is None or q.fact in triage_state.FACT_KEYS, q.id
        for effect in q.effects.values():
            assert set(effect) <= {"boost", "urgency", "red_flag", "because"}, q.id
            assert effect.get("urgency") in (None, "routine", "today"), q.id
            assert effect.get("red_flag") in (None, *RED_FLAG_IDS), q.id
        if q.fact in ("age_months", "duration_days"):
            assert all(o.range for o in q.options if o.value != triage_state.UNKNOWN), q.id
        assert set(q.requires) <= {
            "present",
            "absent",
            "sex",
            "sex_not",
            "child_hint",
            "adult_female",
            "acute",
            "infant",
        }, q.id


def test_composites_and_combinations_name_real_symptoms():
    for comp in SYMPTOMS["composites"]:
        assert comp["symptom"] in SYMPTOM_IDS
        assert comp.get("gap") in (None, "any")
        assert set(comp) <= {"symptom", "body", "feeling", "gap", "gap_not"}, comp
        assert all(isinstance(word, str) and word for word in comp.get("gap_not", [])), comp
    tags = {t for s in SYMPTOMS["symptoms"] for t in s.get("tags", [])}
    fact_keys = set(triage_state.FACT_KEYS) | {"infant"}
    for combo in SYMPTOMS["combinations"]:
        assert set(combo.get("any", [])) | set(combo.get("all", [])) <= SYMPTOM_IDS, combo["id"]
        for group in combo.get("any_of_each", []):
            assert (group["tag"] in tags) if isinstance(group, dict) else set(group) <= SYMPTOM_IDS
        assert set(combo.get("facts", {})) <= fact_keys, combo["id"]
        assert combo.get("urgency") in (None, "routine", "today"), combo["id"]


def test_red_flags_are_complete_and_compile():
    ids = [r["id"] for r in RED_FLAGS["red_flags"]]
    assert len(ids) == len(set(ids)) >= 12
    for r in RED_FLAGS["red_flags"]:
        assert r["title"] and r["message"] and r.get("first_aid"), r["id"]
        assert r.get("phrases") or r.get("combos"), r["id"]
        for pattern in r.get("phrases", []) + r.get("unless", []):
            re.compile(pattern)
        for combo in r.get("combos", []):
            assert set(combo) <= {"all", "context", "history"}, r["id"]
            for pattern in combo["all"] + combo.get("history", []):
                re.compile(pattern)
            assert set(combo.get("context") or {}) <= {
                "max_age_months",
                "max_age_days",
                "newborn",
                "young_infant",
                "hypertension",
                "pregnant",
                "critical_value",
            }
        facts = r.get("facts") or {}
        assert set(facts.get("present", [])) | set(facts.get("present_any", [])) <= SYMPTOM_IDS, r["id"]
    assert set(rf.rule_ids()) == set(ids)


def test_knowledge_questions_patterns_compile():
    for q in QUESTIONS["questions"]:
        for block in ("understands", "mentions"):
            for patterns in (q.get(block) or {}).values():
                for pattern in patterns:
                    re.compile(pattern)


def test_typo_fixes_keep_the_length():
    for slip, fix in SYMPTOMS["typos"].items():
        assert len(slip) == len(fix) and slip != fix, slip
    assert sx.normalize("头运，手脚发嘛") == "头晕，手脚发麻"


def test_slips_that_are_words_are_fixed_only_where_the_words_around_say_so():
    """Voice input writes 痒 as 养: read so on the skin, before how bad, next to scratching."""
    assert all(len(fix) == 1 for _, fix in SYMPTOMS["typos_in_context"])
    for slip, fix in [
        ("腿上老是养", "腿上老是痒"),
        ("头皮养得受不了", "头皮痒得受不了"),
        ("一养起来就想挠", "一痒起来就想挠"),
        ("抓了更养", "抓了更痒"),
    ]:
        assert sx.normalize(slip) == fix
    for text in ["孩子养得白白胖胖", "皮肤养护", "身体要好好调养", "我养的猫抓了我一下", "住养老院"]:
        assert sx.normalize(text) == text


def test_traditional_characters_are_read_one_for_one_as_simplified():
    chars = SYMPTOMS["traditional"]
    assert len(chars["from"]) == len(chars["to"]) == len(set(chars["from"]))
    assert not set(chars["from"]) & set(chars["to"])
    assert sx.normalize("阿嬤剛剛講話講不清楚，右腳沒力") == "阿嬷刚刚讲话讲不清楚，右脚没力"


def test_cantonese_is_read_one_for_one_as_mandarin():
    table = SYMPTOMS["dialect"]
    chars = table["chars"]
    assert len(chars["from"]) == len(chars["to"]) == len(set(chars["from"]))
    assert not set(chars["from"]) & set(chars["to"])
    assert all(len(char) == 1 for _, char in table["context"])
    assert all(len(word) == len(fix) and word != fix for word, fix in table["words"].items())
    assert sx.normalize("阿爺頭先喺廁所跌咗，企唔起身") == "阿爷头先在厕所跌了，站不起身"
    assert sx.normalize("半邊身冇力 講嘢唔清楚") == "半边身没力，讲话不清楚"
    assert sx.normalize("係唔係中風") == "是不是中风"
    assert sx.normalize("脚也动勿了") == "脚也动不了"


def test_other_regional_words_are_read_as_mandarin():
    assert sx.normalize("阿嬷讲袂清楚，倒手骹无力") == "阿嬷讲不清楚，倒手脚无力"
    assert sx.normalize("阿伯头壳疼甲欲死") == "阿伯脑壳疼得要死"
    assert sx.normalize("我舅半拉脸木了，脑瓜子疼") == "我舅半边脸木了，脑壳子疼"
    assert sx.normalize("热射病同中暑系咪一样") == "热射病同中暑是否一样"
    assert sx.normalize("他是不是心机梗") == "他是不是心肌梗"
    # round 108: Minnan, Hakka, Hunan, Wu, Shaanxi and Yunnan-Guizhou words; a handwriting slip
    assert sx.normalize("阮阿嬷跋倒 这马叫伊攏无应") == "我阿嬷跌倒，现在叫他都没应"
    assert sx.normalize("阮小叔啉农药 喙有药水味") == "我小叔喝农药，嘴有药水味"
    assert sx.normalize("细人仔抽筋 眼珠反上去 嘴唇乌") == "小孩子抽筋，眼珠翻上去，嘴唇紫"
    assert sx.normalize("堂客怀咯两个月 刚刚晕哒一下") == "老婆怀了两个月，刚刚晕了一下"
    assert sx.normalize("按下去勿褪色") == "按下去不褪色"
    assert sx.normalize("我爸脑口病得厉害") == "我爸胸口痛得厉害"
    # round 110: Fuzhou, Chaoshan, Wenzhou, Wu, Sichuan and Cantonese
    assert sx.normalize("伲囝才两个月 奶都𣍐吃 叫𣍐醒") == "孩子才两个月，奶都不吃，叫不醒"
    assert sx.normalize("阮孥囝跋落楼梯 吐了三摆 今下困困") == "我孩子跌落楼梯，吐了三次，现在困困"
    assert sx.normalize("我爸能届喊否应") == "我爸现在喊不应"
    assert sx.normalize("阿拉阿爹噎牢了，讲弗出闲话") == "阿拉阿爹噎住了，讲不出话来"
    assert sx.normalize("娃儿说出气不赢") == "娃儿说喘不上气"
    assert sx.normalize("BB先两个月") == "BB才两个月"


def test_mandarin_keeps_the_characters_cantonese_shares_with_it():
    for text in [
        "唔，我想问一下",
        "唔该，帮我挂个号",
        "没关係",
        "请勿吸烟",
        "切勿自己停药",
        "两人联袂演出",
        "等了半拉月",
        "指甲欲剪不剪",
        "脑口才好",
        "他的病得治",
        "一爿店",
        "今下午去复查",
        "是否清楚",
        "先两个月再说",
    ]:
        assert sx.normalize(text) == text


def test_synonyms_are_written_as_normalized_text():
    """The symptom phrases are matched on normalized text: one with a traditional or a
    Cantonese character the normalization rewrites would never be found."""
    rewritten = set(SYMPTOMS["traditional"]["from"]) | set(SYMPTOMS["dialect"]["chars"]["from"])
    phrases = [p for s in SYMPTOMS["symptoms"] for p in s.get("synonyms", [])]
    assert not [p for p in phrases if set(p) & rewritten]


@pytest.mark.parametrize("word", ["嗓子疼", "拉肚子", "心慌", "头晕"])
def test_synonym_lookup(word):
    assert sx.load_lexicon().synonym_to_id[word] in SYMPTOM_IDS


def test_spaces_between_clauses_become_commas_and_spaces_between_words_go():
    from language.symptom_lexicon import normalize

    assert normalize("我吐了好多血 鲜红的 之前查出来有肝硬化") == "我吐了好多血，鲜红的，之前查出来有肝硬化"
    assert normalize("我 朋友 手 机器 切 掉了") == "我朋友手机器切掉了"


def test_a_danger_typed_with_spaces_is_not_hidden_by_a_past_word_in_the_next_clause():
    assert rf.detect("我吐了好多血 鲜红的 一口一口的 之前查出来有肝硬化") is not None
