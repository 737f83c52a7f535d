"""Red flags: every danger sign fires from raw text; negations, resolved past events and
look-alikes do not."""

from pathlib import Path

import pytest

from hospital.facts import facts
from safety import red_flags as rf

ROOT = Path(__file__).resolve().parents[2]

POSITIVES = [
    # stroke
    ("我爸突然嘴歪了，说话也不清楚", "stroke"),
    ("我妈口角歪斜", "stroke"),
    ("右边胳膊突然没劲了", "stroke"),
    ("一侧肢体无力", "stroke"),
    ("说话口齿不清", "stroke"),
    ("是不是中风了，嘴有点歪", "stroke"),
    ("刚才左眼突然看不见了，几分钟后又好了", "stroke"),
    # heart
    ("胸口像压了块大石头，出了一身冷汗", "chest_pain_acs"),
    ("胸痛出冷汗", "chest_pain_acs"),
    ("胸口压榨样疼", "chest_pain_acs"),
    ("胸口疼，疼到左胳膊", "chest_pain_acs"),
    # breathing
    ("喘不上气，嘴唇发紫", "breathing_difficulty"),
    ("孩子嘴唇发紫", "breathing_difficulty"),
    ("呼吸困难", "breathing_difficulty"),
    ("哮喘犯了，喷了药也不管用", "breathing_difficulty"),
    # bleeding
    ("大出血", "heavy_bleeding"),
    ("伤口血止不住", "heavy_bleeding"),
    ("我爸吐血了", "heavy_bleeding"),
    ("便血很多", "heavy_bleeding"),
    ("一个小时就湿透一片卫生巾", "heavy_bleeding"),
    # anaphylaxis
    ("吃了芒果后全身起疹子，喉咙发紧", "anaphylaxis"),
    ("打完针全身起风团，头晕心慌", "anaphylaxis"),
    ("被马蜂蛰了，嗓子发紧", "anaphylaxis"),
    # poisoning / overdose
    ("吃了一整瓶安眠药", "poisoning"),
    ("我爷爷喝了农药", "poisoning"),
    ("把敌敌畏当成药喝了一口", "poisoning"),
    ("孩子误喝了消毒液", "poisoning"),
    ("孩子吃了大人的降压药", "poisoning"),
    ("家里烧着炭火，一家人都头晕恶心", "poisoning"),
    # unconscious / seizure
    ("晕倒叫不醒", "unconscious"),
    ("爷爷躺在地上叫了好几声都不答应", "unconscious"),
    ("我妈怎么喊都没回应", "unconscious"),
    ("怎么叫都没反应", "unconscious"),
    ("推了他几下没动静", "unconscious"),
    ("宝宝憋得嘴唇发紫", "breathing_difficulty"),
    ("孩子喘不上来了", "breathing_difficulty"),
    ("腿上划了好大一个口子，血哗哗往外冒", "heavy_bleeding"),
    ("活着太累了，想一死了之", "suicide_risk"),
    ("出生五天的孩子皮肤很黄，不怎么吃奶", "newborn_jaundice_unwell"),
    ("摔了一跤，骨头都戳出来了", "major_trauma"),
    ("脑袋突然像炸裂一样疼", "thunderclap_headache"),
    ("心口疼得厉害，一直窜到左边肩膀", "chest_pain_acs"),
    ("含了两片硝酸甘油还是疼", "chest_pain_acs"),
    ("吃饭噎住了，憋得说不出话", "breathing_difficulty"),
    ("最近拉黑便，起来头晕站不住", "heavy_bleeding"),
    ("我有时候会想伤害自己", "suicide_risk"),
    ("安眠药已经攒够了", "suicide_risk"),
    ("满月前的宝宝脸很黄，吃奶很少", "newborn_jaundice_unwell"),
    ("左半边脸发麻，看东西有重影", "stroke"),
    ("爷爷早上突然不认人了", "stroke"),
    ("孕32周，肚子剧痛还出血了", "pregnancy_emergency"),
    ("从脚手架上摔下来了", "major_trauma"),
    ("热油泼了，半边身子都烫了", "major_trauma"),
    ("爸爸把一瓶降压药吃了好几片", "poisoning"),
    ("他喝了一瓶白酒，现在叫不醒", "poisoning"),
    ("人倒了，没呼吸了", "cardiac_arrest"),
    ("摸不到脉搏", "cardiac_arrest"),
    ("血压量出来210，头疼得要命", "hypertensive_crisis"),
    ("低血糖，人都糊涂了", "severe_hypoglycemia"),
    ("孩子高烧，腿上一片紫色的点", "meningitis_signs"),
    ("心跳两百多，人要晕了", "fast_heartbeat"),
    ("叫我妈她没反应", "unconscious"),
    ("孩子抽搐了", "seizure"),
    ("突然抽起来了，两眼往上翻", "seizure"),
    # swallowed battery
    ("孩子把纽扣电池吞下去了", "swallowed_battery"),
    ("小孩把一颗磁力珠吞了", "swallowed_battery"),
    # suicide
    ("我不想活了", "suicide_risk"),
    ("想自杀", "suicide_risk"),
    ("活着真没意思，想一了百了", "suicide_risk"),
    # infants
    ("宝宝两个月，发烧38度", "infant_fever"),
    ("宝宝出生45天，发烧37度9", "infant_fever"),
    ("新生儿黄疸，不吃奶，老是睡", "newborn_jaundice_unwell"),
    ("孩子刚满月，黄疸越来越重，不怎么吃奶了", "newborn_jaundice_unwell"),
    # combinations
    ("我有高血压，突然头晕，手脚发麻", "hypertensive_sudden_dizziness"),
    ("突然头痛，这辈子没这么疼过", "thunderclap_headache"),
    ("肚子硬得像木板", "acute_abdomen"),
    ("怀孕两个月，肚子突然疼得厉害，下面出血，人有点晕", "acute_abdomen"),
    ("孕36周，破水了", "pregnancy_emergency"),
    ("孩子头撞到桌角，之后吐了三次", "head_injury_danger"),
    ("从梯子上摔下来了", "major_trauma"),
    ("被蛇咬了", "major_trauma"),
    ("十五岁男孩，睾丸突然剧痛", "testicular_torsion"),
    # third batch of presentations (Manchester flowcharts / CTAS complaints)
    ("眼睛里扎进去一根竹签", "eye_injury"),
    ("右眼胀痛得厉害，看路灯周围有彩虹圈，恶心想吐", "eye_injury"),
    ("打完石膏手指发紫发凉", "limb_ischemia"),
    ("我弟拿着菜刀说要砍死他老婆", "violence_risk"),
    ("孩子连口水都咽不下去了，一直往外流", "epiglottitis"),
    ("一晚上尿不出来，小肚子憋得疼", "urinary_retention"),
    ("硬了四个小时还软不下来", "priapism"),
    ("高烧寒战，血压70多，人迷糊", "sepsis"),
    ("疝气鼓出来按不进去了", "incarcerated_hernia"),
    ("三天没排气，肚子胀得鼓鼓的，一直吐", "acute_abdomen"),
    ("孩子吸气的时候锁骨上面凹进去", "breathing_difficulty"),
    ("闺女一直抽，中间没醒过", "seizure"),
]

LOOK_ALIKES = [
    "急诊在哪",
    "急诊科晚上有没有儿科医生",
    "安眠药可以长期吃吗",
    "拉肚子三天了，没有血",
    "孩子5岁发烧39度",
    "跑完步胸口闷，歇了一会就好了",
    "不胸痛",
    "没有呼吸困难",
    "没有想自杀的念头",
    "我没有不舒服，也没想过自杀",
    "上个月晕倒过一次，现在好了",
    "去年中过风现在复查",
    "以前得过心梗放了支架",
    "农药残留怎么洗干净",
    "农药喷多了手上皮肤有点红痒",
    "腿抽筋了",
    "如果出现胸痛怎么办",
    "对青霉素过敏，最近头晕",
    "吃了海鲜身上起了几个疙瘩，有点痒",
    "大便带一点血丝",
    "刷牙出血",
    "痰里有血丝",
    "头晕手麻，血压不高",
    "腰疼，不想活动",
    "吃了好多药也不见好",
    "喝了一瓶啤酒就头疼",
    "流了很多鼻涕",
    "站起来眼前发黑差点晕倒",
    "累死了",
    "脸像触电一样疼",
    "被狗咬了一口",
    "宝宝8个月，发烧38度",
    "我爸有癫痫，想开药",
    "去年出过车祸现在复查",
    "叫他吃饭不答应",
    "尿很黄",
    "孩子8岁脸有点黄不吃饭",
    "跑完步喘不过来，歇会就好了",
    "药都准备好了明天去旅游",
    "做饭时被开水烫了一下手",
    "心跳有点快",
    "血压150头有点疼",
    "低血糖了有点心慌",
    "发烧两天，脖子有点酸",
    "喘不上来一口大气的感觉",
    "喊孩子写作业他也不答应",
    "眼睛进了个小飞虫",
    "游戏里拿刀砍人的那种",
    "雷诺综合征，手指一受凉就发白发凉",
    "以前尿潴留插过尿管",
    "肚子有点胀，今天还没大便",
]


@pytest.mark.parametrize(
    "text, flag_id",
    [
        ("什么是会厌炎", "epiglottitis"),
        ("脓毒症有什么症状", "sepsis"),
        ("尿潴留怎么预防", "urinary_retention"),
    ],
)
def test_spoken_of_new_presentations_get_the_when_to_go_line(text, flag_id):
    fired, mentioned, _ = rf.assess(text)
    assert not fired and flag_id in [f.id for f in mentioned], text


def test_a_look_alike_that_uses_the_dangers_words_gets_the_when_to_go_line_but_leaves_the_net_free():
    """Issue 13: "羊水破了是什么感觉" is a knowledge question (its look-alike quiets the rule), and
    the answer still says when to go to 急诊; it is not `framed`, so the net may still speak."""
    assessment = rf.assess("羊水破了是什么感觉")
    assert not assessment.now and not assessment.framed
    assert [f.id for f in assessment.looked_alike] == ["pregnancy_emergency"]
    assert "pregnancy_emergency" in [f.id for f in rf.mentioned("羊水破了是什么感觉")]
    assert not rf.assess("医保卡丢了怎么办").looked_alike


@pytest.mark.parametrize("text, flag_id", POSITIVES)
def test_red_flag_fires(text, flag_id):
    assert flag_id in [f.id for f in rf.detect_all(text)], text


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alike_does_not_fire(text):
    assert rf.detect(text) is None, [f.id for f in rf.detect_all(text)]


@pytest.mark.parametrize(
    "text",
    [
        "没有胸痛",
        "不胸痛也不出冷汗",
        "没有呼吸困难",
        "嘴唇不紫",
        "没有抽搐",
        "没有想自杀的念头",
        "没有便血",
        "没有吐血",
    ],
)
def test_negated_signs_do_not_fire(text):
    assert rf.detect(text) is None


def test_detect_returns_most_urgent_single_flag():
    flag = rf.detect("吃了一整瓶安眠药，不想活了")
    assert flag.id == "poisoning"
    assert {f.id for f in rf.detect_all("吃了一整瓶安眠药，不想活了")} == {"poisoning", "suicide_risk"}


def test_context_from_caller():
    assert rf.detect("发烧了") is None
    assert rf.detect("发烧了", {"age_months": 2}).id == "infant_fever"
    assert rf.detect("发烧了", rf.RedFlagContext(age_months=4)) is None
    assert rf.detect("突然头晕，手脚发麻") is None
    assert rf.detect("突然头晕，手脚发麻", {"hypertension": True}).id == "hypertensive_sudden_dizziness"


def test_messages_are_calm_and_point_to_emergency():
    for rule_id in rf.rule_ids():
        flag = rf.red_flag(rule_id)
        assert "{" not in flag.message, rule_id  # placeholders filled
        assert "急诊" in flag.message, rule_id
        assert flag.first_aid, rule_id
    suicide = rf.red_flag("suicide_risk")
    assert suicide.crisis and facts().emergency.crisis_hotline in suicide.message
    assert suicide.crisis_hotline == facts().emergency.crisis_hotline
    assert facts().emergency.phone in rf.red_flag("stroke").message


def test_facts_rules():
    assert [f.id for f in rf.detect_from_facts({"fever"}, {"age_months": 1})] == ["infant_fever"]
    assert rf.detect_from_facts({"fever"}, {"age_months": 5}) == []
    combo = rf.detect_from_facts({"dizziness", "limb_numbness"}, {"hypertension": True, "sudden": True})
    assert [f.id for f in combo] == ["hypertensive_sudden_dizziness"]
    assert rf.detect_from_facts({"dizziness", "limb_numbness"}, {"hypertension": True, "sudden": False}) == []


def _examples(folder):
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(ROOT / folder)).intent_examples


def test_every_emergency_example_is_caught_by_the_rules_too():
    """The classifier may miss an emergency it was not trained on; the rules must not:
    every emergency example, trained or held out, fires a red flag by itself."""
    missed = [
        m.get("text")
        for folder in ("data/nlu", "tests/nlu")
        for m in _examples(folder)
        if m.get("intent") == "emergency" and rf.detect(m.get("text")) is None
    ]
    assert not missed, missed


def test_no_held_out_everyday_message_raises_an_alarm():
    alarms = [
        (m.get("text"), rf.detect(m.get("text")).id)
        for m in _examples("tests/nlu")
        if m.get("intent") != "emergency" and rf.detect(m.get("text"))
    ]
    assert not alarms, alarms


def test_a_stroke_sign_older_than_a_few_days_is_not_a_stroke_now():
    assert [f.id for f in rf.detect_from_facts({"facial_droop"}, {"duration_days": 0.5})] == ["stroke"]
    assert [f.id for f in rf.detect_from_facts({"facial_droop"}, {})] == ["stroke"]  # unknown: the alarm stays
    assert rf.detect_from_facts({"facial_droop"}, {"duration_days": 14}) == []  # "面瘫治了两周"


def test_a_past_strokes_leftover_sign_is_not_a_stroke_now_unless_it_came_on_suddenly():
    assert rf.detect_from_facts({"slurred_speech"}, {}, past={"stroke_history"}) == []  # "前年中风…还有点大舌头"
    sudden = rf.detect_from_facts({"slurred_speech"}, {"sudden": True}, past={"stroke_history"})
    assert [f.id for f in sudden] == ["stroke"]
    assert [f.id for f in rf.detect_from_facts({"slurred_speech"}, {})] == ["stroke"]


def test_a_known_condition_counts_in_any_frame_but_not_when_denied():
    # the cyst was found before ("之前"), the pain is now
    assert rf.detect("之前B超说有个卵巢囊肿，今天下腹突然剧痛，吐了").id == "acute_abdomen"
    assert rf.detect("肾移植后一直吃免疫抑制剂，今天发烧").id == "sepsis"
    assert rf.detect("没做过移植，今天有点发烧") is None
    # the danger itself must still be now
    assert rf.detect("肾移植五年了，上个月发烧住过院，已经好了") is None


def test_a_departments_ordinary_number_is_no_knowledge_question():
    # "眼科普通号" holds 科普 (popular science), a knowledge word: it hid an eye poked by a branch (round 80)
    flag = rf.detect("修树枝被枝子戳了眼 看东西一片模糊 挂眼科普通号就行吧")
    assert flag is not None and flag.id == "eye_injury"
    assert rf._frames().knowledge.search("看了个科普视频") is not None
    assert rf._frames().knowledge.search("挂眼科普通号") is None


@pytest.mark.parametrize(
    "text",
    [
        "羊水破了啥感觉",  # how it feels, right after the danger, no one named
        "心脏骤停咋按压",
        "那个就是我想问一下喝了农药应该怎么急救就是我们村里老有人问",  # the asker is no one in danger
        "我爸上个月晕倒过一次现在好好的想挂个号查查",  # "now" that says all is well
        "吃了虾五分钟以前嘴唇有点痒，现在好好的",
        "电视剧里女主吐了一口血就晕倒了，现实中会这样吗",  # a film, a series, a novel
        "小说里写一个人被捅了一刀还能跑，真的可能吗",
        "在学急救，吃药吃多了的人到底要不要给他催吐",  # 了的人: a kind of person, not an event
        "亲戚家孩子误服过药，我想知道家里药品怎么放才安全",  # 误服过: swallowed once before
        "我姐自杀未遂出院一个月了，这阵子状态还行，需要定期复诊吗",
    ],
)
def test_spoken_of_not_now(text):
    assert rf.assess(text)[0] == []


@pytest.mark.parametrize(
    "text",
    [
        "我爸喝了农药应该怎么急救",  # someone named: it is happening
        "我不能呼吸很好，我的喉咙关闭，我吃了坚果十分钟以前",  # minutes ago is now
        "我朋友刚发了个朋友圈像遗书一样然后那个电话打不通微信也不回他之前说过想自杀",
        "诊所的医生让赶紧转院，我妈喘得厉害",
        "看电视剧的时候我爸突然胸口疼，一直出冷汗",  # watching a series, the danger now
        # told in a clause of its own, then a knowledge question about it
        "胸口压着疼出冷汗半小时，心梗有什么表现",
        "左边手脚没劲嘴歪，中风有什么症状",
        "喘不上气嘴唇发紫，哮喘发作怎么急救",
        # a clause that says how much it is felt tells a complaint, though it asks
        "胸口疼得厉害是不是心梗，有什么症状",
        "在学急救，我爸吃药吃多了要不要给他催吐",  # the kind reading needs 的人
        "孩子误服过药现在吐了",
        "我姐自杀未遂出院一个月了，今天又割腕了",
        # a post about someone given an age, though it ends "是怎么回事"
        "宝宝5个月，发烧一天了，头顶囟门鼓鼓的，请问医生是怎么回事",
    ],
)
def test_now_in_other_frames_words(text):
    assert rf.assess(text)[0]


@pytest.mark.parametrize(
    "text",
    [
        "心绞痛和心梗，有什么区别",  # only illnesses named
        "吐血要挂什么科 问一下 以防万一",  # the clause asks
        "怎么判断中风 嘴歪手没劲那种 问问",  # the clause names a kind
        "胸闷加出汗为什么说可能是心梗 科普下",
        "心梗疼得厉害吗，有什么症状",  # how much it hurts, asked of an illness
    ],
)
def test_a_knowledge_question_in_several_clauses_tells_no_complaint(text):
    assessment = rf.assess(text)
    assert assessment.now == [] and assessment.spoken_of


def test_a_reading_said_in_chinese_numbers_is_read_as_digits():
    # round 100: oximeters, pressures and lab values said in words, as voice input writes them
    assert rf.detect("血氧七十九 喘").id == "breathing_difficulty"
    assert rf.detect("血钾七点二").id == "critical_result"
    assert rf.detect("心跳一下子特别快 一分钟一百八 头晕眼前发黑") is not None
    assert rf.detect("血氧九十八 心率七十 挺好的") is None


def test_regional_speech_and_a_childs_age_after_a_comma_are_read():
    # round 108: Minnan, Hakka and Shaanxi words read as Mandarin before the rules
    assert rf.detect("阮阿嬷佇浴间跋倒 头壳撞着 这马叫伊攏无应") is not None
    assert rf.detect("老婆怀咯两个月 肚子一边痛得冒冷汗 刚刚在厕所晕哒一下").id == "pregnancy_emergency"
    assert rf.detect("阮嬰仔才两个月 身躯烧烧 耳温量38度6").id == "infant_fever"
    # round 109: the baby's age told after a comma ("小儿子，才两个月")
    assert rf.detect("是我小儿子，才两个月，烧到38.5").id == "infant_fever"
    assert rf.detect("我儿子，才两岁，烧到38.5") is None


def test_jerking_with_the_eyes_rolled_up_is_no_tic():
    # round 111: a tic's look-alike words (抽动) beside a seizure's sign
    assert rf.detect("宝宝9个月，身体一直抽动，眼睛往上翻，已经好几分钟，第一次这样").id == "seizure"
    assert rf.detect("孩子老是挤眼睛、清嗓子，是不是抽动症，挂什么科") is None
