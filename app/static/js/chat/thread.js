// The history of a mounted chat: appending live messages, prepending older pages, markers and read receipts.
import { buildMarker, buildMessage } from "./message.js";

export const createThread = (chat) => {
  const list = chat.part("messages");

  const messages = () => list.querySelectorAll(".chat-message[data-id]");
  const find = (id) => list.querySelector(`.chat-message[data-id="${CSS.escape(id)}"]`);
  const pendingNode = (clientId) => list.querySelector(`.chat-pending[data-client-id="${CSS.escape(clientId)}"]`);
  const scrollDown = () => {
    list.scrollTop = list.scrollHeight;
  };

  const lastId = () => {
    const all = messages();
    return all.length ? all[all.length - 1].dataset.id : "";
  };

  const append = (message) => {
    if (find(message.id)) {
      return;
    }
    const node = buildMessage(chat, message, false);
    const pending = pendingNode(message.client_id);
    if (pending) {
      pending.replaceWith(node);
      return;
    }
    const last = list.lastElementChild;
    if (!last || last.dataset.appointment !== message.appointment) {
      list.append(buildMarker(chat, message.appointment));
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
        fragment.append(buildMarker(chat, message.appointment));
        previous = message.appointment;
      }
      fragment.append(buildMessage(chat, message, false));
    });
    const first = list.firstElementChild;
    // The older page continues the same appointment's part: one marker is enough.
    if (first && first.classList.contains("chat-marker") && first.dataset.appointment === previous) {
      first.remove();
    }
    list.prepend(fragment);
  };

  // The other side has read up to `upTo`: every message of mine until there shows the receipt.
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

  const showPending = (draft) => {
    list.append(buildMessage(chat, draft, true));
    scrollDown();
  };

  const removePending = (clientId) => {
    const pending = pendingNode(clientId);
    if (pending) {
      pending.remove();
    }
  };

  const firstId = () => {
    const first = list.querySelector(".chat-message[data-id]");
    return first ? first.dataset.id : "";
  };

  return { append, prepend, lastId, firstId, markPeerRead, showPending, removePending, scrollDown };
};
