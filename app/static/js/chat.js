// One appointment's chat: history, sending with retries, files, read receipts and the window.
// Every message carries a client-generated id, so a re-send after a lost answer never doubles it.
(function () {
  "use strict";
  const root = document.getElementById("chat");
  const socket = window.clinicSocket;
  if (!root || !socket) {
    return;
  }
  const appointment = root.dataset.appointment;
  const me = root.dataset.me;
  const texts = JSON.parse(root.dataset.texts);
  const markers = JSON.parse(root.dataset.markers);
  const list = document.getElementById("chat-messages");
  const form = document.getElementById("chat-form");
  const textarea = form.querySelector("textarea");
  const fileInput = form.querySelector('input[type="file"]');
  const errorBox = document.getElementById("chat-error");
  const windowBox = document.getElementById("chat-window");
  const olderButton = document.getElementById("chat-older");
  const when = new Intl.DateTimeFormat(root.dataset.lang, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: root.dataset.timezone,
  });
  const clock = new Intl.DateTimeFormat(root.dataset.lang, {
    dateStyle: "short",
    timeStyle: "short",
    timeZone: root.dataset.timezone,
  });
  // Messages not yet acknowledged, kept in sessionStorage too: a reload while offline re-sends them (same ids).
  const outboxKey = `chat-outbox:${appointment}`;
  const outbox = new Map(JSON.parse(window.sessionStorage.getItem(outboxKey) || "[]"));
  const saveOutbox = () => {
    window.sessionStorage.setItem(outboxKey, JSON.stringify(Array.from(outbox.entries())));
  };
  let lastReadSent = "";

  const newId = () => {
    if (window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    // Plain-HTTP pages have no randomUUID; build a version 4 UUID from random bytes.
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };

  const showError = (message) => {
    errorBox.textContent = message || "";
  };

  const element = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text; // never innerHTML: message text is shown as typed
    }
    return node;
  };

  const fileUrl = (id) => root.dataset.fileUrl.replace("FILE", encodeURIComponent(id));

  const build = (message, pending) => {
    const mine = message.author.id === me;
    const node = element("div", `chat-message${mine ? " chat-mine" : ""}${pending ? " chat-pending" : ""}`);
    if (message.id) {
      node.dataset.id = message.id;
    }
    node.dataset.clientId = message.client_id;
    node.dataset.appointment = message.appointment;
    const meta = element("div", "chat-meta small text-muted");
    meta.append(element("span", "chat-author", message.author.name));
    if (message.author.role === "guardian") {
      meta.append(" ", element("span", "chat-guardian", `(${texts.guardian_of.replace("{name}", message.author.on_behalf_of)})`));
    }
    meta.append(" · ");
    const time = element("time", "", pending ? texts.sending : clock.format(new Date(message.sent_at)));
    if (message.sent_at) {
      time.dateTime = message.sent_at;
    }
    meta.append(time);
    if (mine) {
      const receipt = element("span", "chat-receipt", "✓✓");
      receipt.title = texts.read;
      meta.append(" ", receipt);
    }
    node.append(meta);
    if (message.text) {
      node.append(element("div", "chat-text", message.text));
    }
    if (message.file) {
      const link = element("a", message.file.content_type.startsWith("image/") ? "" : "chat-file");
      link.href = fileUrl(message.file.id);
      link.target = "_blank";
      link.rel = "noopener";
      if (message.file.content_type.startsWith("image/")) {
        const image = element("img", "chat-image");
        image.src = link.href;
        image.alt = message.file.name;
        link.append(image);
      } else {
        link.textContent = message.file.name;
      }
      node.append(link);
    }
    return node;
  };

  const marker = (appointmentId) => {
    const node = element("div", "chat-marker text-center small text-muted my-2", markers[appointmentId] || "");
    node.dataset.appointment = appointmentId;
    return node;
  };

  const messages = () => list.querySelectorAll(".chat-message[data-id]");
  const lastId = () => {
    const all = messages();
    return all.length ? all[all.length - 1].dataset.id : "";
  };
  const find = (id) => list.querySelector(`.chat-message[data-id="${CSS.escape(id)}"]`);
  const scrollDown = () => {
    list.scrollTop = list.scrollHeight;
  };

  const append = (message) => {
    if (find(message.id)) {
      return;
    }
    const node = build(message, false);
    const pending = list.querySelector(`.chat-pending[data-client-id="${CSS.escape(message.client_id)}"]`);
    if (pending) {
      pending.replaceWith(node);
      return;
    }
    const last = list.lastElementChild;
    if (!last || last.dataset.appointment !== message.appointment) {
      list.append(marker(message.appointment));
    }
    list.append(node);
    scrollDown();
  };

  const prepend = (older) => {
    const fragment = document.createDocumentFragment();
    let previous = null;
    older.forEach((message) => {
      if (find(message.id)) {
        return;
      }
      if (message.appointment !== previous) {
        fragment.append(marker(message.appointment));
        previous = message.appointment;
      }
      fragment.append(build(message, false));
    });
    const first = list.firstElementChild;
    // The older page continues the same appointment's part: one marker is enough.
    if (first && first.classList.contains("chat-marker") && first.dataset.appointment === previous) {
      first.remove();
    }
    list.prepend(fragment);
  };

  const markRead = () => {
    const last = lastId();
    if (!last || last === lastReadSent || document.visibilityState !== "visible" || root.dataset.ready !== "1") {
      return;
    }
    lastReadSent = last;
    socket.emit("read", { appointment, up_to: last });
  };

  const markPeerRead = (upTo) => {
    const target = find(upTo);
    if (!target) {
      return;
    }
    for (const node of messages()) {
      if (node.classList.contains("chat-mine")) {
        node.classList.add("chat-read");
      }
      if (node === target) {
        break;
      }
    }
  };

  const applyWindow = (state) => {
    root.dataset.window = JSON.stringify(state);
    const now = Date.now();
    let text;
    if (state.open) {
      text = texts.open_until.replace("{when}", when.format(new Date(state.closes_at)));
    } else if (now < Date.parse(state.opens_at)) {
      text = texts.opens_at.replace("{when}", when.format(new Date(state.opens_at)));
    } else {
      text = texts.closed_at.replace("{when}", when.format(new Date(state.closes_at)));
    }
    windowBox.textContent = text;
    windowBox.classList.toggle("alert-success", state.open);
    windowBox.classList.toggle("alert-secondary", !state.open);
    form.hidden = !state.open;
  };

  const trySend = (payload) => {
    if (!socket.connected) {
      return;
    }
    socket.timeout(10000).emit("send", payload, (timedOut, ack) => {
      if (timedOut) {
        return; // no answer: it stays in the outbox and goes again, with the same client_id, on reconnect
      }
      if (ack.ok) {
        outbox.delete(payload.client_id);
        saveOutbox();
        append(ack.message);
        return;
      }
      if (ack.error === "server_error") {
        window.setTimeout(() => trySend(payload), 2000);
        return;
      }
      outbox.delete(payload.client_id);
      saveOutbox();
      const pending = list.querySelector(`.chat-pending[data-client-id="${CSS.escape(payload.client_id)}"]`);
      if (pending) {
        pending.remove();
      }
      if (!textarea.value && payload.text) {
        textarea.value = payload.text; // give the refused text back rather than lose it
      }
      showError(texts[ack.error] || texts.bad_request);
    });
  };

  const showPending = (payload) => {
    const draft = {
      client_id: payload.client_id,
      appointment,
      author: { id: me, name: "", role: "" },
      text: payload.text,
      file: payload.fileName ? { id: payload.file, name: payload.fileName, content_type: payload.fileType } : undefined,
    };
    list.append(build(draft, true));
    scrollDown();
  };

  const queue = (payload) => {
    showPending(payload);
    outbox.set(payload.client_id, payload);
    saveOutbox();
    trySend(payload);
  };

  const upload = async (file) => {
    const response = await window.clinicFetch(root.dataset.upload, {
      method: "POST",
      headers: {
        Accept: "application/json",
        "Content-Type": file.type || "application/octet-stream",
        "X-Filename": encodeURIComponent(file.name),
      },
      body: file,
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(body.error || texts.upload_failed);
    }
    return body.id;
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError("");
    const text = textarea.value.trim();
    const file = fileInput.files[0];
    if (!text && !file) {
      showError(texts.empty);
      return;
    }
    const payload = { appointment, client_id: newId(), text };
    if (file) {
      try {
        payload.file = await upload(file);
      } catch (error) {
        showError(error.message);
        return;
      }
      // Kept for showing the pending message; the server ignores fields it does not know.
      payload.fileName = file.name;
      payload.fileType = file.type || "";
    }
    textarea.value = "";
    fileInput.value = "";
    queue(payload);
  });

  // "typing…": at most one notice every three seconds while typing; the other side shows it for four.
  const typingBox = document.getElementById("chat-typing");
  let lastTyping = 0;
  let typingTimer = null;
  textarea.addEventListener("input", () => {
    if (Date.now() - lastTyping > 3000 && root.dataset.ready === "1") {
      lastTyping = Date.now();
      socket.emit("typing", { appointment });
    }
  });
  socket.on("typing", (notice) => {
    if (notice.user === me || !typingBox) {
      return;
    }
    typingBox.textContent = texts.typing.replace("{name}", notice.name);
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(() => {
      typingBox.textContent = "";
    }, 4000);
  });

  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  if (olderButton) {
    olderButton.addEventListener("click", () => {
      const first = list.querySelector(".chat-message[data-id]");
      if (!first) {
        return;
      }
      socket.emit("history", { appointment, before: first.dataset.id, limit: 50 }, (ack) => {
        if (ack && ack.ok) {
          prepend(ack.messages);
          olderButton.hidden = ack.messages.length < 50;
        }
      });
    });
  }

  const join = () => {
    socket.emit("join", { appointment }, (ack) => {
      if (!ack || !ack.ok) {
        showError(texts.not_found);
        return;
      }
      applyWindow(ack.window);
      // The page came from the database; catch up on whatever arrived while it loaded or while offline.
      socket.emit("catch_up", { appointment, after: lastId() }, (caught) => {
        if (caught && caught.ok) {
          caught.messages.forEach(append);
        }
        root.dataset.ready = "1";
        showError("");
        outbox.forEach(trySend);
        markRead();
      });
    });
  };

  socket.on("connect", join);
  socket.on("disconnect", () => {
    root.dataset.ready = "0";
    showError(texts.offline);
  });
  socket.on("message", (message) => {
    if (message.thread === root.dataset.thread) {
      append(message);
      markRead();
    }
  });
  socket.on("read", (receipt) => {
    if (receipt.user !== me) {
      markPeerRead(receipt.up_to);
    }
  });
  socket.on("window", applyWindow);
  document.addEventListener("visibilitychange", markRead);
  outbox.forEach(showPending);
  if (socket.connected) {
    join();
  }
  scrollDown();
})();
