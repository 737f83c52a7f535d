// Unit tests of the payload normalisation (no browser): npm test
import { test } from "node:test";
import assert from "node:assert/strict";
import { handoffSignal, normalizeBotMessage, parseEmphasis } from "../src/normalize.js";

test("text and Rasa quick_replies", () => {
  const m = normalizeBotMessage({
    text: "您好",
    quick_replies: [{ content_type: "text", title: "挂号", payload: "/book" }, { title: "" }, "x"],
  });
  assert.deepEqual(m, { role: "bot", text: "您好", buttons: [{ title: "挂号", payload: "/book" }] });
});

test("custom payload arrives unwrapped, or still wrapped in data", () => {
  const triage = { department: "神经内科", urgency: "today", reason: "头晕" };
  assert.deepEqual(normalizeBotMessage({ triage }).triage, { ...triage });
  assert.deepEqual(normalizeBotMessage({ data: { triage } }).triage, { ...triage });
  assert.equal(normalizeBotMessage({ triage: { ...triage, urgency: "later" } }).triage.urgency, "unknown");
});

test("unknown custom payloads are dropped", () => {
  assert.equal(normalizeBotMessage({ carousel: { items: [1] } }), null);
  assert.equal(normalizeBotMessage({ data: { foo: "bar" } }), null);
  assert.equal(normalizeBotMessage(null), null);
  assert.equal(normalizeBotMessage({ text: "   " }), null);
});

test("lab report keeps only known fields, flags and critical", () => {
  const m = normalizeBotMessage({
    lab_report: {
      title: "血常规",
      results: [
        { name: "血钾", value: 6.8, unit: "mmol/L", range: "3.5-5.3", flag: "↑", critical: true, evil: "<b>" },
        { name: "x", value: "1", flag: "!!", critical: "yes" },
        { value: "no name" },
      ],
    },
  });
  assert.equal(m.lab_report.results.length, 2);
  assert.deepEqual(m.lab_report.results[0], { name: "血钾", value: "6.8", unit: "mmol/L", range: "3.5-5.3", flag: "↑", critical: true });
  assert.equal(m.lab_report.results[1].flag, "");
  assert.equal(m.lab_report.results[1].critical, false);
});

test("emergency phone can only be digits", () => {
  assert.equal(normalizeBotMessage({ emergency: { title: "t", phone: "javascript:alert(1)" } }).emergency.phone, "120");
  assert.equal(normalizeBotMessage({ emergency: { title: "t", phone: "0000-88881200" } }).emergency.phone, "0000-88881200");
});

test("images only from http(s)", () => {
  assert.equal(normalizeBotMessage({ attachment: { type: "image", payload: { src: "javascript:1" } } }), null);
  assert.equal(normalizeBotMessage({ attachment: { type: "image", payload: { src: "https://h/x.png" } } }).image, "https://h/x.png");
});

test("**emphasis** parsing", () => {
  assert.deepEqual(parseEmphasis("请**空腹**抽血"), [
    { text: "请", strong: false },
    { text: "空腹", strong: true },
    { text: "抽血", strong: false },
  ]);
  assert.deepEqual(parseEmphasis("a**b"), [{ text: "a**b", strong: false }]);
  assert.deepEqual(parseEmphasis("<b>x</b>"), [{ text: "<b>x</b>", strong: false }]);
});

test("staff messages keep their mark; nothing else can claim it", () => {
  assert.deepEqual(normalizeBotMessage({ text: "您好，我是工作人员", staff: true }), {
    role: "bot",
    text: "您好，我是工作人员",
    staff: true,
  });
  assert.deepEqual(normalizeBotMessage({ text: "小安", staff: "yes" }), { role: "bot", text: "小安" });
  assert.equal(normalizeBotMessage({ staff: true }), null);
});

test("a takeover's start and end, wrapped or not; anything else is no signal", () => {
  assert.equal(handoffSignal({ data: { handoff: "open" } }), "open");
  assert.equal(handoffSignal({ handoff: "open" }), "open");
  assert.equal(handoffSignal({ text: "工作人员已结束本次人工服务", staff: true, handoff: "closed" }), "closed");
  assert.equal(handoffSignal({ text: "您好" }), null);
  assert.equal(handoffSignal({ handoff: "later" }), null);
  assert.equal(handoffSignal("open"), null);
  assert.equal(normalizeBotMessage({ data: { handoff: "open" } }), null); // nothing to show
});
