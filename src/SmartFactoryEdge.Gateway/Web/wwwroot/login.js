"use strict";
sfeSetupLang();
document.getElementById("login-form").addEventListener("submit", async ev => {
  ev.preventDefault();
  const error = document.getElementById("login-error");
  error.textContent = "";
  const res = await fetch("/api/login", {
    method: "POST", headers: { "Content-Type": "application/json" }, credentials: "same-origin",
    body: JSON.stringify({ password: document.getElementById("password").value }),
  });
  if (res.ok) {
    const back = new URLSearchParams(location.search).get("ReturnUrl");
    location.href = back && back.startsWith("/") && !back.startsWith("//") ? back : "/";
    return;
  }
  error.textContent = res.status === 401 ? t("login.wrong") : res.status === 429 ? t("login.limited") : t("login.failed") + " (" + res.status + ")";
  document.getElementById("password").select();
});
