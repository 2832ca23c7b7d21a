// A WebRTC loop inside one page, forced through the clinic's TURN relay: two RTCPeerConnections with
// iceTransportPolicy "relay" exchange timestamped pings over an unreliable data channel, so what comes back is what a
// call's media would get: the round trip through the relay and the share of packets lost on the way.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// How long the two ends get to find a relay pair and open the channel. Through a reachable relay this takes well
// under a second; a blocked UDP port with a TCP fallback can take a few.
const CONNECT_TIMEOUT_MS = 10_000;
// 40 pings 50 ms apart: two seconds, enough for a loss figure in steps of 2.5 % and a stable median.
const PINGS = 40;
const PING_INTERVAL_MS = 50;
// A ping not back this long after the last one was sent counts as lost (far above any RTT we would call usable).
const LATE_MS = 1_000;

const gathered = (pc) =>
  new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") {
      resolve();
      return;
    }
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") {
        resolve();
      }
    });
  });

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

// The candidate pair the connection uses, with the types of its two candidates.
const selectedPair = async (pc) => {
  const report = await pc.getStats();
  let pair = null;
  report.forEach((entry) => {
    if (entry.type === "transport" && entry.selectedCandidatePairId) {
      pair = report.get(entry.selectedCandidatePairId);
    }
  });
  if (!pair) {
    report.forEach((entry) => {
      if (entry.type === "candidate-pair" && entry.nominated && entry.state === "succeeded") {
        pair = entry;
      }
    });
  }
  if (!pair) {
    return null;
  }
  return {
    local: report.get(pair.localCandidateId)?.candidateType,
    remote: report.get(pair.remoteCandidateId)?.candidateType,
  };
};

// Connect the two ends; answers "open", or why not: "refused" (the relay answered 401 to our credential),
// "unreachable" (no relay candidate could be gathered), "failed" or "timeout".
const connect = (a, b, channel) =>
  new Promise((resolve) => {
    const counts = new Map([
      [a, 0],
      [b, 0],
    ]);
    let refused = false;
    const timer = setTimeout(() => resolve("timeout"), CONNECT_TIMEOUT_MS);
    const finish = (outcome) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    for (const [pc, other] of [
      [a, b],
      [b, a],
    ]) {
      pc.addEventListener("icecandidate", (event) => {
        if (event.candidate && event.candidate.candidate) {
          counts.set(pc, counts.get(pc) + 1);
          other.addIceCandidate(event.candidate).catch(() => {});
        }
      });
      // Chromium does not fail a connection whose relay refuses the credential: it stays "new", and this event
      // carries the TURN error code.
      pc.addEventListener("icecandidateerror", (event) => {
        if (event.errorCode === 401 || event.errorCode === 403) {
          refused = true;
        }
      });
      pc.addEventListener("connectionstatechange", () => {
        if (pc.connectionState === "failed") {
          finish("failed");
        }
      });
    }
    channel.addEventListener("open", () => finish("open"));
    Promise.all([gathered(a), gathered(b)]).then(() => {
      if (counts.get(a) === 0 || counts.get(b) === 0) {
        finish(refused ? "refused" : "unreachable");
      }
    });
  });

// Run the loop: answers {outcome, rtt (ms, median), loss (0..1), pair: {local, remote}} once done.
export const relayLoop = async (iceServers) => {
  const config = { iceServers, iceTransportPolicy: "relay" };
  const a = new RTCPeerConnection(config);
  const b = new RTCPeerConnection(config);
  try {
    // Unordered and never retransmitted, like media: a lost ping stays lost.
    const channel = a.createDataChannel("check", { ordered: false, maxRetransmits: 0 });
    b.addEventListener("datachannel", (event) => {
      const echo = event.channel;
      echo.addEventListener("message", (message) => echo.send(message.data));
    });
    const opened = connect(a, b, channel);
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription);
    const outcome = await opened;
    if (outcome !== "open") {
      return { outcome };
    }
    const rtts = [];
    channel.addEventListener("message", (message) => {
      const { sent } = JSON.parse(message.data);
      rtts.push(performance.now() - sent);
    });
    for (let seq = 0; seq < PINGS; seq += 1) {
      channel.send(JSON.stringify({ seq, sent: performance.now() }));
      await sleep(PING_INTERVAL_MS);
    }
    await sleep(LATE_MS);
    const pair = await selectedPair(a);
    return {
      outcome: rtts.length ? "open" : "failed",
      rtt: rtts.length ? median(rtts) : null,
      loss: (PINGS - rtts.length) / PINGS,
      pair,
    };
  } finally {
    a.close();
    b.close();
  }
};
