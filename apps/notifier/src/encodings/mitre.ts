/** MITRE ATT&CK Enterprise tactics by id; names SIEMs display next to the ids. */
const TACTIC_NAMES: Readonly<Record<string, string>> = {
  TA0001: 'Initial Access',
  TA0002: 'Execution',
  TA0003: 'Persistence',
  TA0004: 'Privilege Escalation',
  TA0005: 'Defense Evasion',
  TA0006: 'Credential Access',
  TA0007: 'Discovery',
  TA0008: 'Lateral Movement',
  TA0009: 'Collection',
  TA0010: 'Exfiltration',
  TA0011: 'Command and Control',
  TA0040: 'Impact',
  TA0042: 'Resource Development',
  TA0043: 'Reconnaissance',
};

/** An ATT&CK tactic id with its name (undefined for an id we do not know). */
export interface TacticRef {
  id: string;
  name: string | undefined;
  reference: string;
}

/** An ATT&CK technique id split into technique and sub-technique. */
export interface TechniqueRef {
  /** `T1552` for `T1552.007`. */
  techniqueId: string;
  /** `T1552.007`, or undefined for a plain technique. */
  subTechniqueId: string | undefined;
  reference: string;
}

/** The tactic's name and page. */
export function tacticRef(id: string): TacticRef {
  return {
    id,
    name: TACTIC_NAMES[id],
    reference: `https://attack.mitre.org/tactics/${id}/`,
  };
}

/** Splits `T1552.007` into technique `T1552` and sub-technique `T1552.007`. */
export function techniqueRef(id: string): TechniqueRef {
  const dot = id.indexOf('.');
  if (dot < 0) {
    return {
      techniqueId: id,
      subTechniqueId: undefined,
      reference: `https://attack.mitre.org/techniques/${id}/`,
    };
  }
  const techniqueId = id.slice(0, dot);
  return {
    techniqueId,
    subTechniqueId: id,
    reference: `https://attack.mitre.org/techniques/${techniqueId}/${id.slice(dot + 1)}/`,
  };
}
