// The chat's window (when it opens and closes) as the notice above the thread and the form's visibility.

export const createWindow = (chat) => {
  const box = chat.part("window");
  const form = chat.part("form");
  const when = new Intl.DateTimeFormat(chat.lang, { dateStyle: "medium", timeStyle: "short", timeZone: chat.timeZone });
  const { texts } = chat;

  return (state) => {
    chat.root.dataset.window = JSON.stringify(state);
    let text;
    if (state.open) {
      text = texts.open_until.replace("{when}", when.format(new Date(state.closes_at)));
    } else if (Date.now() < Date.parse(state.opens_at)) {
      text = texts.opens_at.replace("{when}", when.format(new Date(state.opens_at)));
    } else {
      text = texts.closed_at.replace("{when}", when.format(new Date(state.closes_at)));
    }
    box.textContent = text;
    box.classList.toggle("alert-success", state.open);
    box.classList.toggle("alert-secondary", !state.open);
    form.hidden = !state.open;
  };
};
