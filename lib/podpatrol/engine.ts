// The patrol engine: fed by the informers, it evaluates the rules on every pod and node change,
// passes each match through the safety gates (eligibility, leadership, cooldown, circuit
// breaker, rate limits, dry-run) and acts. Every action and every decision not to act is logged
// and, unless dry-run, recorded as a Kubernetes Event on the object; repeats of the same
// decision are reported at most once per reportInterval.
import type { Logger } from "../cli/log.ts";
import { failCurrentSpan, withSpan } from "../telemetry/span.ts";
import type { PatrolConfig } from "./config.ts";
import type { ActionResult, Actuator } from "./kube/actuator.ts";
import type { EventSink, ObjectRef } from "./kube/events.ts";
import { condition, type Node, type Pod, podKey } from "./kube-types.ts";
import type { PatrolMetrics } from "./metrics.ts";
import { type Owner, ownerOf } from "./owner.ts";
import { type NodeLostArgs, nodeLostDefaults } from "./rules/node-lost/args.ts";
import { hasOurTaint, massNodeLoss, NODE_LOST_TAINT } from "./rules/node-lost/rule.ts";
import { nodeRules, podRules } from "./rules/registry.ts";
import type { NodeVerdict, PodAction, RuleContext, Verdict } from "./rules/types.ts";
import { CircuitBreaker } from "./safety/circuit-breaker.ts";
import { ineligibility } from "./safety/eligibility.ts";
import { RemediationLedger } from "./safety/ledger.ts";
import { RateLimiter } from "./safety/rate-limiter.ts";
import { RestartTracker } from "./safety/restart-tracker.ts";

export interface EngineDeps {
  log: Logger;
  metrics: PatrolMetrics;
  actuator: Actuator;
  events: EventSink;
  isLeader(): boolean;
  now?(): number;
}

interface Candidate {
  podKey: string;
  rule: string;
  firstSeen: number;
  notBefore: number;
}

const NODE_LOST = "node-lost";

/** When a request the API server throttled (429 without a budget) is tried again. */
const throttledRetryMs = 5_000;
export class PatrolEngine {
  readonly pods = new Map<string, Pod>();
  readonly nodes = new Map<string, Node>();
  private readonly ownerPods = new Map<string, Set<string>>();
  private readonly podsByNode = new Map<string, Set<string>>();
  private readonly failing = new Map<string, Set<string>>();
  private readonly candidates = new Map<string, Candidate>();
  private readonly nodeDue = new Map<string, number>();
  /** Node name -> when a Ready -> not Ready transition was seen here (our clock). */
  private readonly notReadySeen = new Map<string, number>();
  /** Nodes whose Ready condition is not True (or missing): node-lost's mass-loss guard. */
  private readonly notReadyNodes = new Set<string>();
  /** Nodes told (Event) that node-lost is held for mass node loss, in the current trip. */
  private readonly massLossHeld = new Set<string>();
  private massLossReported = false;
  private readonly busy = new Set<string>();
  /** "uid|action" done (or dry-run logged): never the same action twice on one pod. */
  private readonly acted = new Set<string>();
  private readonly reported = new Map<string, number>();
  private lastNodeChange = 0;
  private nodesSynced = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private processing = false;
  private again = false;
  private stopped = false;
  /** Pod and node actions whose API call is under way: stop() waits for them. */
  private readonly inFlight = new Set<Promise<void>>();

  ledger: RemediationLedger;
  readonly breaker: CircuitBreaker;
  limiter: RateLimiter;
  readonly restarts: RestartTracker;

  constructor(
    private config: PatrolConfig,
    private readonly deps: EngineDeps,
  ) {
    this.ledger = new RemediationLedger(Math.max(config.breaker.window, config.cooldown) * 1000);
    this.breaker = new CircuitBreaker(config.breaker);
    this.limiter = new RateLimiter(config.limits);
    this.restarts = new RestartTracker(config.breaker.window * 1000);
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  get currentConfig(): PatrolConfig {
    return this.config;
  }

  /** A reloaded configuration applies from the next decision on; history is kept. */
  setConfig(config: PatrolConfig): void {
    if (this.config.dryRun && !config.dryRun) {
      // Going live: what the dry run only pretended to do must not hold the real run back (those
      // pods were "already done", their owners in a cooldown nothing started, the rate budget
      // spent). Start as a live process would, like a new leader does.
      this.acted.clear();
      this.reported.clear();
      this.ledger = new RemediationLedger(Math.max(config.breaker.window, config.cooldown) * 1000);
      this.limiter = new RateLimiter(config.limits);
    }
    this.config = config;
    this.ledger.setHistory(Math.max(config.breaker.window, config.cooldown) * 1000);
    this.breaker.setSettings(config.breaker);
    this.limiter.setLimits(config.limits);
    this.restarts.setWindow(config.breaker.window * 1000);
    for (const pod of this.pods.values()) this.evaluatePod(pod);
    for (const node of this.nodes.values()) this.evaluateNode(node);
    this.kick();
  }

  start(): void {
    // The periodic pass: nodes and candidates whose time has come act without waiting for a watch event.
    this.timer = setInterval(() => this.kick(), 250);
  }

  /**
   * Starts no action any more and waits (at most `graceMs`) for those under way, so each ends
   * with its log line, Event and metric before the Lease is handed back and the process exits.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.inFlight.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Keeps an action's promise until it settles. */
  private track(action: Promise<void> | undefined): void {
    if (!action) return;
    this.inFlight.add(action);
    void action.finally(() => this.inFlight.delete(action));
  }

  // ---- informer callbacks -------------------------------------------------------------------

  podUpserted(pod: Pod, previous: Pod | undefined): void {
    const key = podKey(pod);
    if (previous && previous.metadata.uid !== pod.metadata.uid) this.podRemoved(previous);
    this.pods.set(key, pod);
    const owner = ownerOf(pod);
    if (owner) {
      // The breaker compares failing pods with the owner's live pods: terminating ones count for neither.
      if (pod.metadata.deletionTimestamp) setDelete(this.ownerPods, owner.key, key);
      else setAdd(this.ownerPods, owner.key, key);
      this.restarts.observe(pod, owner.key, this.now());
    }
    const node = pod.spec?.nodeName;
    if (node) setAdd(this.podsByNode, node, key);
    this.evaluatePod(pod);
    this.kick();
  }

  podRemoved(pod: Pod): void {
    const key = podKey(pod);
    if (this.pods.get(key)?.metadata.uid === pod.metadata.uid) this.pods.delete(key);
    const owner = ownerOf(pod);
    if (owner) {
      setDelete(this.ownerPods, owner.key, key);
      for (const rule of this.ruleNames()) setDelete(this.failing, `${owner.key}|${rule}`, key);
    }
    const node = pod.spec?.nodeName;
    if (node) setDelete(this.podsByNode, node, key);
    for (const rule of this.ruleNames()) this.candidates.delete(`${key}|${rule}`);
    this.restarts.forgetPod(pod.metadata.uid);
    for (const action of ["evict", "delete", "force-delete"])
      this.acted.delete(`${pod.metadata.uid}|${action}`);
  }

  nodeUpserted(node: Node, previous: Node | undefined): void {
    const name = node.metadata.name;
    const wasReady = previous ? condition(previous, "Ready")?.status === "True" : false;
    const isReady = condition(node, "Ready")?.status === "True";
    // A node that joined (after the initial list) or recovered: unschedulable pods may fit now.
    if (isReady && !wasReady && (previous || this.nodesSynced)) {
      this.lastNodeChange = this.now();
      for (const pod of this.pods.values())
        if (pod.status?.phase === "Pending") this.evaluatePod(pod);
    }
    if (wasReady && !isReady) this.notReadySeen.set(name, this.now());
    else if (isReady) this.notReadySeen.delete(name);
    if (isReady) this.notReadyNodes.delete(name);
    else this.notReadyNodes.add(name);
    this.nodes.set(name, node);
    this.evaluateNode(node);
    // Pods on a node whose readiness changed: the stuck and node-lost rules depend on it.
    if (wasReady !== isReady) {
      for (const key of this.podsByNode.get(name) ?? []) {
        const pod = this.pods.get(key);
        if (pod) this.evaluatePod(pod);
      }
    }
    this.kick();
  }

  nodeRemoved(node: Node): void {
    this.nodes.delete(node.metadata.name);
    this.nodeDue.delete(node.metadata.name);
    this.notReadySeen.delete(node.metadata.name);
    this.notReadyNodes.delete(node.metadata.name);
  }

  markNodesSynced(): void {
    this.nodesSynced = true;
  }

  // ---- evaluation -----------------------------------------------------------------------------

  private ruleNames(): string[] {
    return [...podRules.map((r) => r.name), NODE_LOST];
  }

  private ruleContext(now: number): RuleContext {
    return {
      now,
      lastNodeChange: this.lastNodeChange,
      nodeLost: (name) => {
        const node = this.nodes.get(name);
        const ready = node ? condition(node, "Ready") : undefined;
        return node !== undefined && ready !== undefined && ready.status !== "True";
      },
      notReadySeen: (name) => this.notReadySeen.get(name),
      nodeCounts: () => this.nodeCounts(),
      massNodeLoss: () => this.massNodeLoss(),
    };
  }

  private nodeCounts(): { notReady: number; total: number } {
    return { notReady: this.notReadyNodes.size, total: this.nodes.size };
  }

  /** node-lost's mass-loss guard with its configured thresholds, whether or not node-lost is on (stuck's force delete). */
  private massNodeLoss(): string | undefined {
    return massNodeLoss(this.nodeLostArgs(), this.nodeCounts());
  }

  private nodeLostArgs(): NodeLostArgs {
    return (this.config.rules[NODE_LOST] as NodeLostArgs | undefined) ?? nodeLostDefaults;
  }

  private nodeVerdict(node: Node, now: number): NodeVerdict {
    const rule = nodeRules[0];
    const args = rule ? this.config.rules[rule.name] : undefined;
    if (!rule || !args?.enabled) return { kind: "healthy" };
    return rule.evaluate(node, args, this.ruleContext(now));
  }

  /** One rule's verdict on one pod, now; node-lost is the pod's view of its node's verdict. */
  private verdict(pod: Pod, ruleName: string, now: number): Verdict {
    if (ruleName === NODE_LOST) {
      const nodeName = pod.spec?.nodeName;
      const node = nodeName ? this.nodes.get(nodeName) : undefined;
      if (
        !node ||
        pod.metadata.deletionTimestamp ||
        pod.status?.phase === "Failed" ||
        pod.status?.phase === "Succeeded"
      )
        return { kind: "healthy" };
      const v = this.nodeVerdict(node, now);
      if (v.kind !== "lost" || !v.evict) return { kind: "healthy" };
      return {
        kind: "act",
        action: "evict",
        since: v.since,
        reason: `node ${node.metadata.name} lost: ${v.reason}`,
      };
    }
    const rule = podRules.find((r) => r.name === ruleName);
    const args = this.config.rules[ruleName];
    if (!rule || !args?.enabled) return { kind: "healthy" };
    return rule.evaluate(pod, args, this.ruleContext(now));
  }

  private evaluatePod(pod: Pod): void {
    const key = podKey(pod);
    const owner = ownerOf(pod);
    const now = this.now();
    for (const rule of this.ruleNames()) {
      const v = this.verdict(pod, rule, now);
      if (owner) {
        if (v.kind === "healthy" || pod.metadata.deletionTimestamp)
          setDelete(this.failing, `${owner.key}|${rule}`, key);
        else setAdd(this.failing, `${owner.key}|${rule}`, key);
      }
      const ck = `${key}|${rule}`;
      if (v.kind === "healthy") {
        this.candidates.delete(ck);
        continue;
      }
      const existing = this.candidates.get(ck);
      const notBefore = v.kind === "wait" ? v.until : Math.min(existing?.notBefore ?? now, now);
      this.candidates.set(ck, {
        podKey: key,
        rule,
        firstSeen: existing?.firstSeen ?? now,
        notBefore,
      });
    }
  }

  private evaluateNode(node: Node): void {
    const now = this.now();
    const v = this.nodeVerdict(node, now);
    const name = node.metadata.name;
    if (v.kind === "wait") this.nodeDue.set(name, v.until);
    else if (v.kind === "healthy") this.nodeDue.delete(name);
    else this.nodeDue.set(name, now);
  }

  // ---- processing -----------------------------------------------------------------------------

  /** Runs a processing pass soon; passes never overlap. */
  kick(): void {
    if (this.stopped) return;
    if (this.processing) {
      this.again = true;
      return;
    }
    this.processing = true;
    queueMicrotask(() => {
      void this.process().finally(() => {
        this.processing = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
    });
  }

  /**
   * One pass over what is due. Actions are started, not awaited: a slow API call must not hold
   * up the next failure (the busy set keeps one action per pod or node in flight).
   */
  private async process(): Promise<void> {
    const now = this.now();
    this.checkMassLossOver();
    for (const [name, due] of this.nodeDue) {
      if (due > now) continue;
      const node = this.nodes.get(name);
      if (!node) continue;
      // The node crossed its threshold: its pods become node-lost candidates in this pass, the
      // one that taints it (processNode looks again only 5 s later).
      for (const key of this.podsByNode.get(name) ?? []) {
        const pod = this.pods.get(key);
        if (pod) this.evaluatePod(pod);
      }
      this.track(this.processNode(node, now));
    }
    const ready = [...this.candidates.values()].filter((c) => c.notBefore <= now);
    ready.sort((a, b) => a.firstSeen - b.firstSeen);
    for (const candidate of ready) this.track(this.processCandidate(candidate, now));
  }

  /** Gates one candidate; returns the action's promise when it acts. */
  private processCandidate(c: Candidate, now: number): Promise<void> | undefined {
    const ck = `${c.podKey}|${c.rule}`;
    const pod = this.pods.get(c.podKey);
    if (!pod) {
      this.candidates.delete(ck);
      return undefined;
    }
    const uid = pod.metadata.uid;
    if (this.busy.has(uid)) return undefined;
    const v = this.verdict(pod, c.rule, now);
    if (v.kind === "healthy") {
      this.candidates.delete(ck);
      return undefined;
    }
    if (v.kind === "act" && this.acted.has(`${uid}|${v.action}`)) return undefined;
    if (v.kind === "wait") {
      c.notBefore = v.until;
      return undefined;
    }
    const leader = this.deps.isLeader();
    if (v.kind === "hold") {
      if (leader) this.skip(pod, c.rule, v.reason, v.message, now);
      c.notBefore = now + 5_000;
      return undefined;
    }
    const unfit = ineligibility(pod, this.config.selection);
    if (unfit) {
      if (leader && !unfit.outOfScope) this.skip(pod, c.rule, unfit.reason, unfit.message, now);
      c.notBefore = now + 30_000;
      return undefined;
    }
    if (!leader) {
      c.notBefore = now + 1_000;
      return undefined;
    }
    const owner = ownerOf(pod) as Owner; // eligibility guarantees a controller
    // Cooldown and breaker guard against churning an application; evacuating a lost node,
    // force deleting on one and cleaning up Failed pods are not that.
    const guarded = c.rule !== NODE_LOST && c.rule !== "failed" && v.action !== "force-delete";
    const cooldownMs = this.config.cooldown * 1000;
    const left = guarded ? this.ledger.cooldownLeft(owner.key, cooldownMs, now) : 0;
    if (left > 0) {
      const last = this.ledger.last(owner.key);
      this.skip(
        pod,
        c.rule,
        "cooldown",
        `${owner.kind} ${owner.name} was remediated ${Math.round((now - (last?.at ?? now)) / 1000)}s ago (${last?.rule} ${last?.action} ${last?.object}); cooldown ${this.config.cooldown}s`,
        now,
      );
      c.notBefore = now + left;
      return undefined;
    }
    const breakerKey = `${owner.key}|${c.rule}`;
    const state = guarded
      ? this.breakerState(owner, breakerKey, now)
      : { open: false, changed: false };
    this.deps.metrics.circuitsOpen.set(this.breaker.openCount);
    if (state.open) {
      const history = this.restarts.within(owner.key, now);
      const message = `circuit open for ${owner.kind} ${owner.name}: ${state.message}; ${history.restarts} container restarts across ${history.pods} pods in the last ${this.config.breaker.window}s`;
      if (state.changed) this.tripped(owner, c.rule, state.reason ?? "open", message);
      this.skip(pod, c.rule, "circuit-open", message, now);
      c.notBefore = now + 5_000;
      return undefined;
    }
    if (state.changed)
      this.log("info", `circuit closed for ${owner.kind} ${owner.name}`, {
        owner: owner.key,
        rule: c.rule,
      });
    const scope = { namespace: pod.metadata.namespace ?? "", node: pod.spec?.nodeName };
    const limited = this.limiter.check(scope, now);
    if (limited) {
      this.skip(pod, c.rule, limited, `rate limit reached (${limited}); will retry`, now);
      c.notBefore = now + 1_000;
      return undefined;
    }
    const stamp = this.limiter.record(scope, now);
    const since = v.since ?? c.firstSeen;
    if (this.config.dryRun) {
      this.ledger.record(owner.key, { at: now, rule: c.rule, action: v.action, object: c.podKey });
      this.acted.add(`${uid}|${v.action}`);
      this.candidates.delete(ck);
      this.deps.metrics.actions.inc({ rule: c.rule, action: v.action, result: "dry_run" });
      this.log("info", `dry-run: would ${v.action} pod ${c.podKey}: ${v.reason}`, {
        dryRun: true,
        rule: c.rule,
        action: v.action,
        pod: c.podKey,
        owner: owner.key,
      });
      return undefined;
    }
    this.busy.add(uid);
    return this.act(pod, c, v.action, v.reason, owner, since, stamp, scope).finally(() => {
      this.busy.delete(uid);
    });
  }

  private breakerState(owner: Owner, breakerKey: string, now: number) {
    return this.breaker.evaluate(breakerKey, {
      failing: this.failing.get(breakerKey)?.size ?? 0,
      total: this.ownerPods.get(owner.key)?.size ?? 0,
      remediations: this.ledger.countWithin(owner.key, this.config.breaker.window * 1000, now),
    });
  }

  /** One span per remediation (a no-op without OTLP); its logs carry the span's trace id. */
  private act(
    pod: Pod,
    c: Candidate,
    action: PodAction,
    reason: string,
    owner: Owner,
    since: number,
    stamp: number,
    scope: { namespace: string; node: string | undefined },
  ): Promise<void> {
    return withSpan(
      `remediate ${action}`,
      {
        "k8s.namespace.name": pod.metadata.namespace,
        "k8s.pod.name": pod.metadata.name,
        "opsctl.rule": c.rule,
        "opsctl.action": action,
        "opsctl.reason": reason,
        "opsctl.owner": owner.key,
      },
      () => this.actUntraced(pod, c, action, reason, owner, since, stamp, scope),
    );
  }

  private async actUntraced(
    pod: Pod,
    c: Candidate,
    action: PodAction,
    reason: string,
    owner: Owner,
    since: number,
    stamp: number,
    scope: { namespace: string; node: string | undefined },
  ): Promise<void> {
    const ck = `${c.podKey}|${c.rule}`;
    const started = this.now();
    let result: ActionResult;
    try {
      result =
        action === "evict"
          ? await this.deps.actuator.evict(pod)
          : await this.deps.actuator.delete(pod, action === "force-delete");
    } catch (error) {
      this.limiter.release(scope, stamp);
      this.deps.metrics.actions.inc({ rule: c.rule, action, result: "failed" });
      this.log("error", `${action} pod ${c.podKey} failed: ${(error as Error).message}`, {
        rule: c.rule,
        action,
        pod: c.podKey,
      });
      failCurrentSpan(`${action} failed: ${(error as Error).message}`);
      this.retryAt(c, this.now() + 10_000);
      return;
    }
    const done = this.now();
    this.deps.metrics.actions.inc({ rule: c.rule, action, result });
    if (result === "blocked") {
      failCurrentSpan("eviction refused by a PodDisruptionBudget (429)");
      this.limiter.release(scope, stamp);
      this.retryAt(c, done + this.config.evictionRetry * 1000);
      this.skip(
        pod,
        c.rule,
        "pdb",
        `eviction refused by a PodDisruptionBudget (429); retrying in ${this.config.evictionRetry}s, never bypassing it`,
        done,
        "Warning",
      );
      return;
    }
    if (result === "throttled") {
      // Not a budget: the API server is busy. Tried again soon; no Event blames a PDB.
      failCurrentSpan("the API server throttled the request (429)");
      this.limiter.release(scope, stamp);
      this.retryAt(c, done + throttledRetryMs);
      this.log(
        "warn",
        `${action} pod ${c.podKey}: the API server is throttling requests (429 Too Many Requests); retrying in ${throttledRetryMs / 1000}s`,
        { rule: c.rule, action, pod: c.podKey },
      );
      return;
    }
    if (result === "changed") {
      // The pod is not the copy we decided on (it recovered, restarted, was replaced...): judge
      // its latest copy again once the watch has delivered it, as a new decision.
      this.limiter.release(scope, stamp);
      this.reevaluateIfChanged(pod);
      this.retryAt(c, done + 1_000);
      this.log("info", `pod ${c.podKey} changed meanwhile; nothing done, re-evaluated later`, {
        rule: c.rule,
        action,
        pod: c.podKey,
      });
      return;
    }
    this.candidates.delete(ck);
    this.reevaluateIfChanged(pod);
    if (result === "gone") {
      this.limiter.release(scope, stamp);
      this.log("info", `pod ${c.podKey} already gone or replaced; nothing done`, {
        rule: c.rule,
        pod: c.podKey,
      });
      return;
    }
    this.acted.add(`${pod.metadata.uid}|${action}`);
    this.ledger.record(owner.key, { at: done, rule: c.rule, action, object: c.podKey });
    this.deps.metrics.reactionLatency.observe({ rule: c.rule }, Math.max(0, (done - since) / 1000));
    const history = this.restarts.within(owner.key, done);
    const verb = action === "evict" ? "Evicted" : action === "delete" ? "Deleted" : "ForceDeleted";
    const message = `podpatrol ${c.rule}: ${action} (${reason}); owner ${owner.kind} ${owner.name} had ${history.restarts} restarts across ${history.pods} pods in ${this.config.breaker.window}s`;
    this.deps.events.emit(podRef(pod), "Warning", `Patrol${verb}`, message);
    this.log("info", message, {
      rule: c.rule,
      action,
      pod: c.podKey,
      owner: owner.key,
      latencySeconds: (done - since) / 1000,
      apiSeconds: (done - started) / 1000,
    });
  }

  /**
   * The watch may deliver the pod's next state (e.g. Terminating after our delete) before the
   * API call's own response: that update's candidate was just dropped with the one we acted on.
   * Judge the latest copy again, or a pod that never changes after it (no kubelet) would never
   * get its next step (the force delete).
   */
  private reevaluateIfChanged(actedOn: Pod): void {
    const latest = this.pods.get(podKey(actedOn));
    if (latest && latest !== actedOn) this.evaluatePod(latest);
  }

  /** Defers a candidate, or the one that replaced it while an API call was in flight. */
  private retryAt(c: Candidate, at: number): void {
    const current = this.candidates.get(`${c.podKey}|${c.rule}`);
    if (current && current !== c) current.notBefore = Math.max(current.notBefore, at);
    else c.notBefore = at;
  }

  private async processNode(node: Node, now: number): Promise<void> {
    const name = node.metadata.name;
    const v = this.nodeVerdict(node, now);
    if (v.kind === "wait") {
      this.nodeDue.set(name, v.until);
      return;
    }
    if (v.kind === "healthy") {
      this.nodeDue.delete(name);
      return;
    }
    if (!this.deps.isLeader() || this.busy.has(`node/${name}`)) return;
    if (v.kind === "hold") {
      // No new taint, no NoExecute on top of a NoSchedule, no evictions: look again soon.
      this.nodeDue.set(name, now + 5_000);
      this.holdNode(node, v.reason, v.message);
      return;
    }
    const have = (node.spec?.taints ?? [])
      .filter((t) => t.key === NODE_LOST_TAINT)
      .map((t) => t.effect);
    let want = v.kind === "lost" ? v.effects : [];
    // NoSchedule first, NoExecute only on a later pass: the pods get the chance to leave
    // through the Eviction API (PDBs) before the taint manager deletes them regardless.
    if (want.includes("NoExecute") && !have.includes("NoSchedule")) want = ["NoSchedule"];
    if (v.kind === "lost") this.nodeDue.set(name, now + 5_000);
    if (sameSet(have, want)) {
      if (v.kind === "recovered") this.nodeDue.delete(name);
      return;
    }
    if (v.kind === "recovered" && !hasOurTaint(node)) return;
    const what = want.length === 0 ? "untaint" : `taint ${want.join("+")}`;
    const reason = v.kind === "lost" ? v.reason : "Ready again";
    if (this.config.dryRun) {
      const key = `dry|${node.metadata.uid}|${what}`;
      if (!this.reported.has(key)) {
        this.reported.set(key, now);
        this.deps.metrics.actions.inc({
          rule: NODE_LOST,
          action: want.length ? "taint" : "untaint",
          result: "dry_run",
        });
        this.log("info", `dry-run: would ${what} node ${name} (${NODE_LOST_TAINT}): ${reason}`, {
          dryRun: true,
          rule: NODE_LOST,
          node: name,
        });
      }
      return;
    }
    this.busy.add(`node/${name}`);
    try {
      // One span per node remediation (a no-op without OTLP); a throw is recorded on it.
      const result = await withSpan(
        `remediate ${want.length ? "taint" : "untaint"}`,
        { "k8s.node.name": name, "opsctl.rule": NODE_LOST, "opsctl.reason": reason },
        () => this.deps.actuator.setNodeTaints(node, want),
      );
      const action = want.length ? "taint" : "untaint";
      this.deps.metrics.actions.inc({ rule: NODE_LOST, action, result });
      if (result === "success") {
        if (v.kind === "lost")
          this.deps.metrics.reactionLatency.observe(
            { rule: NODE_LOST },
            Math.max(0, (this.now() - v.since) / 1000),
          );
        const message = `podpatrol node-lost: ${what} (${NODE_LOST_TAINT}): ${reason}`;
        this.deps.events.emit(
          nodeRef(node),
          want.length ? "Warning" : "Normal",
          want.length ? "PatrolTainted" : "PatrolUntainted",
          message,
        );
        this.log("info", message, { rule: NODE_LOST, action, node: name });
      }
    } catch (error) {
      this.deps.metrics.actions.inc({
        rule: NODE_LOST,
        action: want.length ? "taint" : "untaint",
        result: "failed",
      });
      this.log("error", `${what} node ${name} failed: ${(error as Error).message}`, {
        rule: NODE_LOST,
        node: name,
      });
    } finally {
      this.busy.delete(`node/${name}`);
    }
  }

  // ---- reporting ------------------------------------------------------------------------------

  /** node-lost held on a node for mass node loss: logged and counted once per trip, an Event per node. */
  private holdNode(node: Node, reason: string, message: string): void {
    if (!this.massLossReported) {
      this.massLossReported = true;
      this.deps.metrics.circuitTrips.inc({ rule: NODE_LOST, reason });
      this.log("warn", `podpatrol node-lost: paused: ${message}`, {
        rule: NODE_LOST,
        reason,
        decision: "circuit-open",
        ...(this.config.dryRun ? { dryRun: true } : {}),
      });
    }
    const name = node.metadata.name;
    if (this.massLossHeld.has(name)) return;
    this.massLossHeld.add(name);
    this.deps.metrics.skipped.inc({ rule: NODE_LOST, reason });
    if (!this.config.dryRun)
      this.deps.events.emit(
        nodeRef(node),
        "Warning",
        "PatrolCircuitOpen",
        `podpatrol node-lost: not tainting node ${name}: ${reason}: ${message}`,
      );
  }

  /** The mass-loss guard no longer holds: say so once, and report a next trip afresh. */
  private checkMassLossOver(): void {
    if (!this.massLossReported) return;
    if (this.nodeLostArgs().enabled && this.massNodeLoss()) return;
    const counts = this.nodeCounts();
    this.massLossReported = false;
    this.massLossHeld.clear();
    this.log("info", "podpatrol node-lost resumed: fewer nodes NotReady", {
      rule: NODE_LOST,
      notReady: counts.notReady,
      nodes: counts.total,
    });
  }

  /** A decision not to act: metric, log line and Event, once per reportInterval per object. */
  private skip(
    pod: Pod,
    rule: string,
    reason: string,
    message: string,
    now: number,
    type: "Normal" | "Warning" = "Normal",
  ): void {
    const key = `${pod.metadata.uid}|${rule}|${reason}`;
    const last = this.reported.get(key);
    if (last !== undefined && now - last < this.config.reportInterval * 1000) return;
    this.reported.set(key, now);
    if (this.reported.size > 50_000) this.pruneReported(now);
    this.deps.metrics.skipped.inc({ rule, reason });
    const text = `podpatrol ${rule}: not acting on pod ${podKey(pod)}: ${reason}: ${message}`;
    this.log("info", text, {
      rule,
      reason,
      pod: podKey(pod),
      decision: "skip",
      ...(this.config.dryRun ? { dryRun: true } : {}),
    });
    if (!this.config.dryRun) this.deps.events.emit(podRef(pod), type, "PatrolSkipped", text);
  }

  private tripped(owner: Owner, rule: string, reason: string, message: string): void {
    this.deps.metrics.circuitTrips.inc({ rule, reason });
    this.log("warn", message, { rule, owner: owner.key, reason, decision: "circuit-open" });
    if (this.config.dryRun) return;
    const apiVersion = ["Deployment", "StatefulSet", "ReplicaSet", "DaemonSet"].includes(owner.kind)
      ? "apps/v1"
      : "v1";
    this.deps.events.emit(
      { kind: owner.kind, name: owner.name, namespace: owner.namespace, apiVersion },
      "Warning",
      "PatrolCircuitOpen",
      `podpatrol ${rule}: ${message}; not remediating until it recovers`,
    );
  }

  private pruneReported(now: number): void {
    for (const [key, at] of this.reported)
      if (now - at >= this.config.reportInterval * 1000) this.reported.delete(key);
  }

  private log(
    level: "info" | "warn" | "error",
    message: string,
    fields: Record<string, unknown>,
  ): void {
    this.deps.log[level](message, fields);
  }

  /** For tests and /debug: what is pending. */
  pendingCandidates(): Candidate[] {
    return [...this.candidates.values()];
  }
}

function podRef(pod: Pod): ObjectRef {
  return {
    kind: "Pod",
    name: pod.metadata.name,
    namespace: pod.metadata.namespace,
    uid: pod.metadata.uid,
  };
}

function nodeRef(node: Node): ObjectRef {
  return { kind: "Node", name: node.metadata.name, uid: node.metadata.uid };
}

function setAdd(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

function setDelete(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
