/** src/alerts' entry: settings from dpf_project.yml, the run's listener, the channel test. */
export { resolveAlerts, PROBLEM_KINDS, type AlertSettings, type ProblemKind, type ResolvedChannel } from './alert-config.js';
export { alertListener, type AlertListener, type AlertListenerOptions } from './alert-listener.js';
export { alertMessage, nodeUrl, slackPayload, emailContent, type AlertMessage, type MessageContext } from './alert-message.js';
export { problemOf, lateStartProblem, type Problem, type MonitorFacts, type AlertableResult } from './find-problems.js';
export { planAlerts, type Delivery, type SentRecord } from './plan-alerts.js';
export { testChannels, type ChannelTestResult } from './test-channels.js';
export type { Notifier } from './send-message.js';
