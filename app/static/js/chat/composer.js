// Writing: the form, the outbox and sending with retries. Every message carries a client-generated id, so a
// re-send after a lost answer never doubles it.
import { upload } from "./upload.js";

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

export const createComposer = (chat, thread) => {
  const { socket, appointment, texts } = chat;
  const form = chat.part("form");
  const textarea = form.querySelector("textarea");
  const fileInput = form.querySelector('input[type="file"]');
  // The patient's "This is a test result" box (absent on the doctor's page): it marks the attached file.
  const labBox = form.querySelector('input[name="lab_result"]');
  // Messages not yet acknowledged, kept in sessionStorage too: a reload while offline re-sends them (same ids).
  const outboxKey = `chat-outbox:${appointment}`;
  const outbox = new Map(JSON.parse(window.sessionStorage.getItem(outboxKey) || "[]"));
  const saveOutbox = () => {
    window.sessionStorage.setItem(outboxKey, JSON.stringify(Array.from(outbox.entries())));
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
        thread.append(ack.message);
        return;
      }
      if (ack.error === "server_error") {
        window.setTimeout(() => trySend(payload), 2000);
        return;
      }
      outbox.delete(payload.client_id);
      saveOutbox();
      thread.removePending(payload.client_id);
      if (!textarea.value && payload.text) {
        textarea.value = payload.text; // give the refused text back rather than lose it
      }
      chat.showError(texts[ack.error] || texts.bad_request);
    });
  };

  const showPending = (payload) => {
    thread.showPending({
      client_id: payload.client_id,
      appointment,
      author: { id: chat.me, name: "", role: "" },
      text: payload.text,
      file: payload.fileName
        ? { id: payload.file, name: payload.fileName, content_type: payload.fileType, lab_result: payload.lab_result }
        : undefined,
    });
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    chat.showError("");
    const text = textarea.value.trim();
    const file = fileInput.files[0];
    if (!text && !file) {
      chat.showError(texts.empty);
      return;
    }
    const payload = { appointment, client_id: newId(), text };
    if (file) {
      try {
        payload.file = await upload(chat.root.dataset.upload, file, texts.upload_failed);
      } catch (error) {
        chat.showError(error.message);
        return;
      }
      // Kept for showing the pending message; the server ignores fields it does not know.
      payload.fileName = file.name;
      payload.fileType = file.type || "";
      if (labBox && labBox.checked) {
        payload.lab_result = true;
      }
    }
    textarea.value = "";
    fileInput.value = "";
    if (labBox) {
      labBox.checked = false;
    }
    showPending(payload);
    outbox.set(payload.client_id, payload);
    saveOutbox();
    trySend(payload);
  });

  // "typing…": at most one notice every three seconds while typing; the other side shows it for four.
  let lastTyping = 0;
  textarea.addEventListener("input", () => {
    if (Date.now() - lastTyping > 3000 && chat.ready()) {
      lastTyping = Date.now();
      socket.emit("typing", { appointment });
    }
  });

  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  outbox.forEach(showPending);
  // Sends whatever waits in the outbox (after joining, when the connection is back).
  return { flush: () => outbox.forEach(trySend) };
};
