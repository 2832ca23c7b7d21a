// The pre-call check page (/call/check): camera, microphone, speaker and the network through the clinic's relay, each
// reported as Pass / Warning / Fail. Nothing leaves the browser except the relay loop's own pings.
import { relayLoop } from "./relay_loop.js";

const root = document.getElementById("call-check");
const texts = JSON.parse(root.dataset.texts);
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));

// Camera: a picture at least this many lines tall passes; anything smaller shows a face too coarsely for a doctor
// to see a rash or a pupil, so it only warns. No picture within CAMERA_WAIT_MS fails.
const CAMERA_MIN_HEIGHT = 360;
const CAMERA_WAIT_MS = 5_000;
// Microphone: we listen this long and keep the loudest moment (RMS of the waveform, 0..1 of full scale).
// Speech at arm's length peaks far above 0.02 (about -34 dBFS); between 0.004 (-48 dBFS) and that, something is
// heard but too faintly for a doctor (warn); below it is silence: a muted or dead microphone (fail).
const MIC_LISTEN_MS = 4_000;
const MIC_PASS_RMS = 0.02;
const MIC_WARN_RMS = 0.004;
const MIC_SAMPLE_MS = 50;
// Network, from the relay loop: a round trip up to 250 ms with at most 2 % loss makes a natural conversation (ITU-T
// G.114 puts the comfortable one-way delay at 150 ms, and codecs hide a couple of percent of loss). Up to 600 ms and
// 10 % a call works with noticeable delay and frozen moments (warn); worse, or no connection at all, fails.
const NET_PASS_RTT_MS = 250;
const NET_PASS_LOSS = 0.02;
const NET_WARN_RTT_MS = 600;
const NET_WARN_LOSS = 0.1;

const show = (name, result, detail, data = {}) => {
  const element = document.getElementById(`check-${name}`);
  element.dataset.result = result;
  Object.assign(element.dataset, data);
  const verdict = element.querySelector('[data-part="verdict"]');
  verdict.textContent = texts[result] || texts.waiting;
  verdict.className = { pass: "text-success", warn: "text-warning-emphasis", fail: "text-danger" }[result] || "";
  element.querySelector('[data-part="detail"]').textContent = detail;
};

let streams = [];
let audioContext = null;
let levelTimer = null;

const stopDevices = () => {
  streams.forEach((stream) => stream.getTracks().forEach((track) => track.stop()));
  streams = [];
  clearInterval(levelTimer);
  if (audioContext) {
    audioContext.close();
    audioContext = null;
  }
};

const deviceProblem = (error, prefix) => (error && error.name === "NotAllowedError" ? texts[`${prefix}_denied`] : texts[`${prefix}_missing`]);

const checkCamera = async () => {
  show("camera", "waiting", "");
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } } });
  } catch (error) {
    show("camera", "fail", deviceProblem(error, "camera"));
    return;
  }
  streams.push(stream);
  const preview = document.getElementById("check-preview");
  preview.srcObject = stream;
  const deadline = performance.now() + CAMERA_WAIT_MS;
  while (!preview.videoHeight && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const size = { width: preview.videoWidth, height: preview.videoHeight };
  if (!size.height) {
    show("camera", "fail", texts.camera_no_picture);
  } else if (size.height < CAMERA_MIN_HEIGHT) {
    show("camera", "warn", fill(texts.camera_warn, size), size);
  } else {
    show("camera", "pass", fill(texts.camera_pass, size), size);
  }
};

const checkMicrophone = async () => {
  show("mic", "waiting", texts.mic_prompt);
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (error) {
    show("mic", "fail", deviceProblem(error, "mic"));
    return;
  }
  streams.push(stream);
  audioContext = new AudioContext();
  await audioContext.resume();
  const analyser = audioContext.createAnalyser();
  analyser.fftSize = 2048;
  audioContext.createMediaStreamSource(stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const meter = document.getElementById("check-level");
  let loudest = 0;
  // The meter keeps moving after the verdict, so the user can watch it while speaking.
  levelTimer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    const rms = Math.sqrt(samples.reduce((sum, value) => sum + value * value, 0) / samples.length);
    loudest = Math.max(loudest, rms);
    // Square root: speech's quiet parts still move the bar visibly.
    meter.value = Math.min(1, Math.sqrt(rms * 4));
  }, MIC_SAMPLE_MS);
  await new Promise((resolve) => setTimeout(resolve, MIC_LISTEN_MS));
  const level = { level: loudest.toFixed(4) };
  if (loudest >= MIC_PASS_RMS) {
    show("mic", "pass", texts.mic_pass, level);
  } else if (loudest >= MIC_WARN_RMS) {
    show("mic", "warn", texts.mic_warn, level);
  } else {
    show("mic", "fail", texts.mic_silent, level);
  }
};

const checkNetwork = async () => {
  show("network", "waiting", "");
  if (!window.RTCPeerConnection) {
    show("network", "fail", texts.network_unsupported);
    return;
  }
  let config;
  try {
    const response = await fetch(root.dataset.iceUrl, { credentials: "same-origin" });
    if (response.status === 429) {
      show("network", "unavailable", texts.network_too_often);
      return;
    }
    if (!response.ok) {
      throw new Error(String(response.status));
    }
    config = await response.json();
  } catch {
    show("network", "fail", texts.network_fail);
    return;
  }
  if (!config.relay) {
    // Not the user's fault, and not a pass either: say plainly that nothing could be measured.
    show("network", "unavailable", texts.network_unconfigured);
    return;
  }
  const result = await relayLoop(config.iceServers);
  if (result.outcome !== "open") {
    show("network", "fail", result.outcome === "refused" ? texts.network_refused : texts.network_fail, {
      reason: result.outcome,
    });
    return;
  }
  const figures = { rtt: Math.round(result.rtt), loss: Math.round(result.loss * 100) };
  const data = { ...figures, local: result.pair?.local || "", remote: result.pair?.remote || "" };
  if (result.rtt <= NET_PASS_RTT_MS && result.loss <= NET_PASS_LOSS) {
    show("network", "pass", fill(texts.network_pass, figures), data);
  } else if (result.rtt <= NET_WARN_RTT_MS && result.loss <= NET_WARN_LOSS) {
    show("network", "warn", fill(texts.network_warn, figures), data);
  } else {
    show("network", "fail", fill(texts.network_warn, figures), data);
  }
};

const start = document.getElementById("check-start");
start.addEventListener("click", async () => {
  start.disabled = true;
  stopDevices();
  try {
    await Promise.all([checkCamera(), checkMicrophone(), checkNetwork()]);
  } finally {
    start.disabled = false;
  }
});

const heard = document.getElementById("check-heard");
document.getElementById("check-play").addEventListener("click", async () => {
  show("speaker", "waiting", "");
  try {
    await new Audio(root.dataset.sound).play();
  } catch {
    show("speaker", "fail", texts.speaker_blocked);
    return;
  }
  heard.hidden = false;
  show("speaker", "waiting", texts.speaker_question);
  document.getElementById("check-heard-yes").focus();
});
document.getElementById("check-heard-yes").addEventListener("click", () => {
  heard.hidden = true;
  show("speaker", "pass", texts.speaker_pass);
});
document.getElementById("check-heard-no").addEventListener("click", () => {
  heard.hidden = true;
  show("speaker", "fail", texts.speaker_fail);
});

// Leaving the page turns the camera and microphone off at once.
window.addEventListener("pagehide", stopDevices);
