// Reads a feed from standard input as Thunderbird does with Mozilla ical.js: every VTIMEZONE is
// registered with ICAL.TimezoneService, then each event's start is written out by UID as
// [seconds since the epoch (UTC), its zone's TZID]. ical.js is loaded from $ICALJS_HOME.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ICAL = createRequire(join(process.env.ICALJS_HOME, "package.json"))("ical.js");
const calendar = new ICAL.Component(ICAL.parse(readFileSync(0, "utf8")));
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const starts = {};
for (const component of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(component);
  starts[event.uid] = [event.startDate.toUnixTime(), event.startDate.zone.tzid];
}
process.stdout.write(JSON.stringify(starts));
