import { DEVICE_KIND_CHANNELS, deadLetterTopic, deviceTopic, type SiteLayout, TOPIC_ROOT } from "@tally/protocols";

/**
 * The device broker's rules as a Mosquitto `acl_file`, for sites whose
 * devices use an external broker: each MQTT device (user = its id) writes
 * only its own topics on its kind's channels and reads only its own dead
 * letters; the edge's user reads every device topic of the site and writes
 * the dead letters. Nothing else is granted, so `#` and `$SYS` stay closed
 * (Mosquitto denies what no line allows once an acl_file is set). OPC-UA
 * shelves do not use MQTT and get no entry.
 */
export function mosquittoAcl(site: SiteLayout, edgeUser: string): string {
  const lines = [
    `# Tally: Mosquitto acl_file for site ${site.siteId}, made from its site file by \`tally device mosquitto-acl\`.`,
    "# Usernames are device ids; pair it with a password_file and allow_anonymous false.",
    "",
    "# The edge: every device message in, dead letters out.",
    `user ${edgeUser}`,
    `topic read ${TOPIC_ROOT}/${site.siteId}/dev/#`,
    `topic write ${TOPIC_ROOT}/${site.siteId}/dead-letter/#`,
  ];
  for (const device of site.devices) {
    if (device.kind === "shelf" && device.transport === "opcua") continue;
    lines.push("", `user ${device.id}`);
    for (const channel of DEVICE_KIND_CHANNELS[device.kind]) {
      lines.push(`topic write ${deviceTopic(site.siteId, device.id, channel)}`);
    }
    lines.push(`topic read ${deadLetterTopic(site.siteId, device.id)}`);
  }
  return `${lines.join("\n")}\n`;
}
