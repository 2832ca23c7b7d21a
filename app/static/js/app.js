// Behaviour shared by every page. No inline scripts: the Content-Security-Policy forbids them.
const token = () => document.querySelector('meta[name="csrf-token"]').content;

// htmx requests carry the CSRF token like forms do.
document.addEventListener("htmx:configRequest", (event) => {
  event.detail.headers["X-CSRFToken"] = token();
});

// fetch() for our own JSON endpoints: same-origin, with the CSRF token.
export const clinicFetch = (url, options = {}) => {
  const headers = new Headers(options.headers || {});
  headers.set("X-CSRFToken", token());
  return fetch(url, { credentials: "same-origin", ...options, headers });
};

// Selects in forms marked data-autosubmit submit on change (language switcher, filters).
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form && event.target.tagName === "SELECT") {
    form.requestSubmit ? form.requestSubmit() : form.submit();
  }
});
