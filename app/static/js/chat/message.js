// The DOM of one history line: a message, a system line or an appointment marker. Text is always set as text,
// never as HTML: message text is shown as typed. templates/chat/_message.html renders the same structure.

export const element = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
};

// A system line's sentence in the page's language, its {name} placeholders filled from the line's parameters.
const systemText = (texts, system) => {
  const template = texts.system[system.code] || "";
  return template.replace(/\{(\w+)\}/g, (_, name) => String(system.params[name] ?? ""));
};

// A line the clinic wrote (a call, a signed document): centred, muted, no author, announced to screen readers.
const buildSystem = (chat, message) => {
  const node = element("div", "chat-message chat-system text-center small text-muted my-2 bg-transparent mw-100");
  node.setAttribute("role", "status");
  node.dataset.id = message.id;
  node.dataset.appointment = message.appointment;
  node.append(element("span", "chat-system-text", systemText(chat.texts, message.system)), " · ");
  const time = element("time", "", chat.clock.format(new Date(message.sent_at)));
  time.dateTime = message.sent_at;
  node.append(time);
  return node;
};

const buildFile = (chat, file) => {
  const image = file.content_type.startsWith("image/");
  const link = element("a", image ? "" : "chat-file");
  link.href = chat.fileUrl(file.id);
  link.target = "_blank";
  link.rel = "noopener";
  if (image) {
    const picture = element("img", "chat-image");
    picture.src = link.href;
    picture.alt = file.name;
    link.append(picture);
  } else {
    link.textContent = file.name;
  }
  return link;
};

// "Test result" beside a file, hidden while it is not marked; the `lab_result` event shows or hides it.
const buildLabBadge = (chat, file) => {
  const badge = element("span", "badge text-bg-info chat-lab-result", chat.texts.lab_result);
  badge.dataset.file = file.id || "";
  badge.hidden = !file.lab_result;
  return badge;
};

// A message as the thread shows it; `pending` while the server has not acknowledged it yet.
export const buildMessage = (chat, message, pending) => {
  if (message.kind === "system") {
    return buildSystem(chat, message);
  }
  const { texts } = chat;
  const mine = message.author.id === chat.me;
  const node = element("div", `chat-message${mine ? " chat-mine" : ""}${pending ? " chat-pending" : ""}`);
  if (message.id) {
    node.dataset.id = message.id;
  }
  node.dataset.clientId = message.client_id;
  node.dataset.appointment = message.appointment;
  const meta = element("div", "chat-meta small text-muted");
  meta.append(element("span", "chat-author", message.author.name));
  if (message.author.role === "guardian") {
    const guardian = texts.guardian_of.replace("{name}", message.author.on_behalf_of);
    meta.append(" ", element("span", "chat-guardian", `(${guardian})`));
  }
  meta.append(" · ");
  const time = element("time", "", pending ? texts.sending : chat.clock.format(new Date(message.sent_at)));
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
    node.append(buildFile(chat, message.file), " ", buildLabBadge(chat, message.file));
  }
  return node;
};

// Where one appointment's part of the shared history begins.
export const buildMarker = (chat, appointmentId) => {
  const node = element("div", "chat-marker text-center small text-muted my-2", chat.markers[appointmentId] || "");
  node.dataset.appointment = appointmentId;
  return node;
};
