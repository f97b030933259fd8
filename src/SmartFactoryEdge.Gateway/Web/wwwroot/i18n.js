// English and Korean texts; the choice is kept in localStorage ("sfe.lang") and ?lang=ko|en overrides it.
"use strict";
const SFE_TEXT = {
  en: {
    "app.title": "SmartFactoryEdge gateway", "login.title": "Log in", "login.password": "Password", "login.submit": "Log in",
    "login.wrong": "Wrong password.", "login.limited": "Too many attempts. Wait a minute.", "login.failed": "Login failed",
    "nav.status": "Status", "nav.values": "Live values", "nav.anomalies": "Anomalies", "nav.config": "Configuration", "nav.logout": "Log out",
    "status.pipeline": "Pipeline", "status.outbox": "Outbox", "status.broker": "Broker link", "status.sources": "Sources", "status.endpoints": "Endpoints",
    "status.accepted": "Accepted", "status.delivered": "Delivered", "status.dropped": "Dropped", "status.depth": "Queued",
    "status.pending": "Pending samples", "status.drops": "Dropped samples", "status.oldest": "Oldest (s)", "status.noOutbox": "No uplink configured",
    "status.connected": "Connected", "status.disconnected": "Disconnected", "status.noBroker": "No broker configured",
    "status.name": "Name", "status.state": "State", "status.reason": "Reason", "status.since": "Since", "status.uptime": "Uptime",
    "status.anomaly": "Anomaly detection", "status.model": "Model version", "status.events": "Events",
    "values.filter": "Filter tags", "values.none": "No values yet.", "values.quality": "Quality",
    "anomalies.none": "No anomaly events yet.", "anomalies.time": "Time", "anomalies.subject": "Tag / asset", "anomalies.detector": "Detector",
    "anomalies.score": "Score", "anomalies.threshold": "Threshold", "anomalies.model": "Model", "anomalies.value": "Value",
    "config.browse": "Browse an OPC UA server", "config.url": "Endpoint URL", "config.browseButton": "Browse", "config.expand": "Open",
    "config.picked": "Picked tags", "config.target": "Add to source", "config.tagId": "Tag id", "config.unit": "Unit", "config.sampling": "Sampling (ms)",
    "config.detector": "Detector", "config.noDetector": "(none)", "config.add": "Add to the configuration", "config.added": "Added to the editor. Validate, save and apply.",
    "config.probe": "Probe a Modbus device", "config.target.host": "Host:port", "config.unitId": "Unit", "config.fc": "Function", "config.address": "Address",
    "config.count": "Count", "config.type": "Type", "config.probeButton": "Read",
    "config.templates": "Industry templates", "config.loadTemplate": "Load into the editor",
    "config.editor": "Configuration file", "config.validate": "Validate", "config.save": "Save", "config.apply": "Apply",
    "config.valid": "The configuration is valid.", "config.saved": "Saved.", "config.applied": "Applied.",
    "config.restarted": "Restarted", "config.started": "Started", "config.stopped": "Stopped", "config.needsRestart": "Needs a gateway restart",
    "config.working": "Working…", "common.error": "Error",
    "config.value": "Value", "config.device": "Device name", "config.interval": "Interval",
    "template.furnace": "Heat-treatment furnace", "template.press": "Press (OPC UA)", "template.fermenter": "Fermenter",
    "template.pump": "Pump", "template.power-meter": "Power meter (Modbus TCP)",
    "state.Connecting": "Connecting", "state.Connected": "Connected", "state.Degraded": "Degraded", "state.Faulted": "Faulted",
    "state.Stopped": "Stopped", "state.Running": "Running", "quality.Good": "Good", "quality.Uncertain": "Uncertain", "quality.Bad": "Bad",
  },
  ko: {
    "app.title": "SmartFactoryEdge 게이트웨이", "login.title": "로그인", "login.password": "비밀번호", "login.submit": "로그인",
    "login.wrong": "비밀번호가 틀렸습니다.", "login.limited": "시도 횟수가 너무 많습니다. 1분 후 다시 시도하세요.", "login.failed": "로그인 실패",
    "nav.status": "상태", "nav.values": "실시간 값", "nav.anomalies": "이상 감지", "nav.config": "설정", "nav.logout": "로그아웃",
    "status.pipeline": "파이프라인", "status.outbox": "아웃박스", "status.broker": "브로커 연결", "status.sources": "수집 소스", "status.endpoints": "엔드포인트",
    "status.accepted": "수신", "status.delivered": "전달", "status.dropped": "폐기", "status.depth": "대기",
    "status.pending": "대기 샘플", "status.drops": "폐기된 샘플", "status.oldest": "가장 오래된 (초)", "status.noOutbox": "업링크 없음",
    "status.connected": "연결됨", "status.disconnected": "연결 끊김", "status.noBroker": "브로커 설정 없음",
    "status.name": "이름", "status.state": "상태", "status.reason": "사유", "status.since": "시작 시각", "status.uptime": "가동 시간",
    "status.anomaly": "이상 감지", "status.model": "모델 버전", "status.events": "이벤트",
    "values.filter": "태그 검색", "values.none": "아직 값이 없습니다.", "values.quality": "품질",
    "anomalies.none": "아직 이상 이벤트가 없습니다.", "anomalies.time": "시각", "anomalies.subject": "태그 / 설비", "anomalies.detector": "감지기",
    "anomalies.score": "점수", "anomalies.threshold": "임계값", "anomalies.model": "모델", "anomalies.value": "값",
    "config.browse": "OPC UA 서버 탐색", "config.url": "엔드포인트 URL", "config.browseButton": "탐색", "config.expand": "열기",
    "config.picked": "선택한 태그", "config.target": "추가할 소스", "config.tagId": "태그 ID", "config.unit": "단위", "config.sampling": "샘플링 (ms)",
    "config.detector": "감지기", "config.noDetector": "(없음)", "config.add": "설정에 추가", "config.added": "편집기에 추가했습니다. 검증, 저장, 적용하세요.",
    "config.probe": "Modbus 장치 읽기", "config.target.host": "호스트:포트", "config.unitId": "유닛", "config.fc": "기능 코드", "config.address": "주소",
    "config.count": "개수", "config.type": "형식", "config.probeButton": "읽기",
    "config.templates": "업종별 템플릿", "config.loadTemplate": "편집기로 불러오기",
    "config.editor": "설정 파일", "config.validate": "검증", "config.save": "저장", "config.apply": "적용",
    "config.valid": "설정이 올바릅니다.", "config.saved": "저장했습니다.", "config.applied": "적용했습니다.",
    "config.restarted": "재시작", "config.started": "시작", "config.stopped": "중지", "config.needsRestart": "게이트웨이 재시작 필요",
    "config.working": "처리 중…", "common.error": "오류",
    "config.value": "값", "config.device": "장치 이름", "config.interval": "주기",
    "template.furnace": "열처리로", "template.press": "프레스 (OPC UA)", "template.fermenter": "발효조",
    "template.pump": "펌프", "template.power-meter": "전력량계 (Modbus TCP)",
    "state.Connecting": "연결 중", "state.Connected": "연결됨", "state.Degraded": "저하", "state.Faulted": "장애",
    "state.Stopped": "중지", "state.Running": "실행 중", "quality.Good": "양호", "quality.Uncertain": "불확실", "quality.Bad": "불량",
  },
};

function sfeLang() {
  const q = new URLSearchParams(location.search).get("lang");
  if (q === "ko" || q === "en") { localStorage.setItem("sfe.lang", q); return q; }
  return localStorage.getItem("sfe.lang") === "ko" ? "ko" : "en";
}

function t(key) { return (SFE_TEXT[sfeLang()] || SFE_TEXT.en)[key] || SFE_TEXT.en[key] || key; }

function sfeApplyLang() {
  const lang = sfeLang();
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach(el => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach(el => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  document.querySelectorAll(".lang button").forEach(b => b.classList.toggle("active", b.dataset.lang === lang));
  document.title = t("app.title");
}

function sfeSetupLang(onChange) {
  document.querySelectorAll(".lang button").forEach(b => b.addEventListener("click", () => {
    localStorage.setItem("sfe.lang", b.dataset.lang);
    const url = new URL(location.href); url.searchParams.delete("lang"); history.replaceState(null, "", url);
    sfeApplyLang(); if (onChange) onChange();
  }));
  sfeApplyLang();
}
