// The cabinet page's one Socket.IO connection: live unread counts on every page; chat.js builds on it.
(function () {
  "use strict";
  if (typeof window.io !== "function") {
    return;
  }
  // WebSocket first; long-polling only where a proxy blocks it (nginx then needs sticky sessions).
  const socket = window.io("/chat", { transports: ["websocket", "polling"] });
  window.clinicSocket = socket;

  const show = (badge, count) => {
    badge.textContent = count ? String(count) : "";
    badge.hidden = !count;
  };

  socket.on("unread", (summary) => {
    document.querySelectorAll("[data-unread-total]").forEach((badge) => show(badge, summary.total));
    document.querySelectorAll("[data-unread-thread]").forEach((badge) => {
      show(badge, summary.threads[badge.dataset.unreadThread] || 0);
    });
  });
})();
