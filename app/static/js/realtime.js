// The page's one Socket.IO connection, opened on every signed-in page of every role (base.html loads this module
// once; every importer shares the same instance). It keeps the navbar's unread badges live and lets features
// subscribe to events pushed to the signed-in user (chat now, calls and labs next).

// The vendored client is the UMD build (a classic script loaded just before the modules): its global is the
// only way in without a bundler.
const io = window.io;

// WebSocket first; long-polling only where a proxy blocks it (nginx then needs sticky sessions).
export const socket = io("/chat", { transports: ["websocket", "polling"] });

// Subscribes `handler` to a server event; returns the function that unsubscribes it.
export const subscribe = (event, handler) => {
  socket.on(event, handler);
  return () => socket.off(event, handler);
};

// Runs `handler` now if connected and on every (re)connection: rooms other than the personal one must be joined
// again after each reconnect.
export const onConnect = (handler) => {
  const unsubscribe = subscribe("connect", handler);
  if (socket.connected) {
    handler();
  }
  return unsubscribe;
};

// `<html data-realtime="connected">` while the connection is up: tests and styles can tell.
const mark = (state) => {
  document.documentElement.dataset.realtime = state;
};
subscribe("connect", () => mark("connected"));
subscribe("disconnect", () => mark("disconnected"));

// The server closes the connection when access is withdrawn (docs/realtime.md, "Withdrawn access"), and the
// client then stays closed. Try once more with the browser's current cookie: a session that was only renewed (a
// password change in another tab) comes back and rejoins its rooms; an ended one is refused with `unauthorized`.
subscribe("disconnect", (reason) => {
  if (reason === "io server disconnect") {
    socket.connect();
  }
});
subscribe("connect_error", (error) => {
  if (error && error.message === "unauthorized") {
    mark("signed-out");
  }
});

// A process at its limit refuses with `over_capacity` (docs/realtime.md, "Connecting"), and socket.io-client does
// not retry a refusal by itself. Close, wait a random time in the upper half of a window that doubles on each
// refusal (so a crowd of refused pages does not return at once), then try again.
const FIRST_WINDOW_MS = 2000;
const LONGEST_WINDOW_MS = 60000;
let retryWindow = 0;
subscribe("connect_error", (error) => {
  if (!error || error.message !== "over_capacity") {
    return;
  }
  mark("busy");
  socket.disconnect();
  retryWindow = Math.min(LONGEST_WINDOW_MS, retryWindow ? retryWindow * 2 : FIRST_WINDOW_MS);
  window.setTimeout(() => socket.connect(), retryWindow / 2 + Math.random() * (retryWindow / 2));
});
subscribe("connect", () => {
  retryWindow = 0;
});

const show = (badge, count) => {
  badge.textContent = count ? String(count) : "";
  badge.hidden = !count;
};

subscribe("unread", (summary) => {
  document.querySelectorAll("[data-unread-total]").forEach((badge) => show(badge, summary.total));
  document.querySelectorAll("[data-unread-thread]").forEach((badge) => {
    show(badge, summary.threads[badge.dataset.unreadThread] || 0);
  });
});
