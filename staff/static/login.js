const form = document.getElementById("login-form");
const error = document.getElementById("login-error");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const response = await fetch("/staff/api/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: form.name.value, password: form.password.value }),
  });
  if (response.ok) {
    location.href = "/staff/";
    return;
  }
  const body = await response.json().catch(() => ({}));
  error.textContent = body.error || "登录失败，请重试。";
  error.hidden = false;
});
