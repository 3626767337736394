/** The agent's release; the wire compatibility is AGENT_PROTOCOL_VERSION in the contract. */
export const AGENT_VERSION = "0.1.0";
