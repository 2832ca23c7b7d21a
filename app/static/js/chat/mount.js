// Mounts a chat on every element carrying `data-chat` (the chat pages now; calls and the appointment page later).
// The element names its appointment and carries the page's texts; its parts are marked with `data-chat-part`.
import { onConnect, socket, subscribe } from "../realtime.js";
import { createComposer } from "./composer.js";
import { createThread } from "./thread.js";
import { createWindow } from "./window.js";

const mountChat = (root) => {
  const chat = {
    root,
    socket,
    appointment: root.dataset.appointment,
    me: root.dataset.me,
    texts: JSON.parse(root.dataset.texts),
    markers: JSON.parse(root.dataset.markers),
    lang: root.dataset.lang,
    timeZone: root.dataset.timezone,
    part: (name) => root.querySelector(`[data-chat-part="${name}"]`),
    ready: () => root.dataset.ready === "1",
    fileUrl: (id) => root.dataset.fileUrl.replace("FILE", encodeURIComponent(id)),
    showError: (message) => {
      chat.part("error").textContent = message || "";
    },
  };
  chat.clock = new Intl.DateTimeFormat(chat.lang, { dateStyle: "short", timeStyle: "short", timeZone: chat.timeZone });
  const thread = createThread(chat);
  const applyWindow = createWindow(chat);
  const composer = createComposer(chat, thread);
  const { appointment, me, texts } = chat;
  let lastReadSent = "";

  const markRead = () => {
    const last = thread.lastId();
    if (!last || last === lastReadSent || document.visibilityState !== "visible" || !chat.ready()) {
      return;
    }
    lastReadSent = last;
    socket.emit("read", { appointment, up_to: last });
  };

  const olderButton = chat.part("older");
  if (olderButton) {
    olderButton.addEventListener("click", () => {
      const before = thread.firstId();
      if (!before) {
        return;
      }
      socket.emit("history", { appointment, before, limit: 50 }, (ack) => {
        if (ack && ack.ok) {
          thread.prepend(ack.messages);
          olderButton.hidden = ack.messages.length < 50;
        }
      });
    });
  }

  const typingBox = chat.part("typing");
  let typingTimer = null;
  subscribe("typing", (notice) => {
    if (notice.user === me || !typingBox) {
      return;
    }
    typingBox.textContent = texts.typing.replace("{name}", notice.name);
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(() => {
      typingBox.textContent = "";
    }, 4000);
  });

  // Rooms do not survive a reconnect: join again each time, then fetch exactly what was missed.
  const join = () => {
    socket.emit("join", { appointment }, (ack) => {
      if (!ack || !ack.ok) {
        chat.showError(texts.not_found);
        return;
      }
      applyWindow(ack.window);
      // The page came from the database; catch up on whatever arrived while it loaded or while offline.
      socket.emit("catch_up", { appointment, after: thread.lastId() }, (caught) => {
        if (caught && caught.ok) {
          caught.messages.forEach(thread.append);
        }
        root.dataset.ready = "1";
        chat.showError("");
        composer.flush();
        markRead();
      });
    });
  };

  subscribe("disconnect", () => {
    root.dataset.ready = "0";
    chat.showError(texts.offline);
  });
  subscribe("message", (message) => {
    if (message.thread === root.dataset.thread) {
      thread.append(message);
      markRead();
    }
  });
  subscribe("read", (receipt) => {
    if (receipt.user !== me) {
      thread.markPeerRead(receipt.up_to);
    }
  });
  // The doctor marked or unmarked a file of this thread as a test result.
  subscribe("lab_result", (change) => {
    if (change.thread === root.dataset.thread) {
      root.querySelectorAll(`.chat-lab-result[data-file="${CSS.escape(change.file)}"]`).forEach((badge) => {
        badge.hidden = !change.lab_result;
      });
    }
  });
  // Window changes reach every page of the user: only this appointment's concern this chat.
  subscribe("window", (state) => {
    if (state.appointment === appointment) {
      applyWindow(state);
    }
  });
  document.addEventListener("visibilitychange", markRead);
  onConnect(join);
  thread.scrollDown();
};

document.querySelectorAll("[data-chat]").forEach(mountChat);
