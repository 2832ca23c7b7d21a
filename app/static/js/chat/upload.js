// Uploading a chat attachment before its message is sent (docs/realtime.md, `send`).
import { clinicFetch } from "../app.js";

// Sends the file's bytes to `url` and returns the stored file's id; throws with the server's reason on refusal.
export const upload = async (url, file, failedText) => {
  const response = await clinicFetch(url, {
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
    throw new Error(body.error || failedText);
  }
  return body.id;
};
