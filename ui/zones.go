package ui

import (
	"strings"

	"acconsole/models"
)

// placeZones maps the places a device's warehouse record names (country,
// province or city, in the local script or in English) to an IANA zone.
// Countries with one civil time map directly; a few cities stand for the
// countries that have several. Lookups try the city, then the province,
// then the country.
var placeZones = map[string]string{
	// China keeps one civil time; Hong Kong, Macau and Taiwan have their
	// own zones.
	"中国": "Asia/Shanghai", "china": "Asia/Shanghai", "cn": "Asia/Shanghai", "prc": "Asia/Shanghai",
	"上海": "Asia/Shanghai", "shanghai": "Asia/Shanghai", "北京": "Asia/Shanghai", "beijing": "Asia/Shanghai",
	"香港": "Asia/Hong_Kong", "hong kong": "Asia/Hong_Kong", "hongkong": "Asia/Hong_Kong",
	"澳门": "Asia/Macau", "macau": "Asia/Macau", "macao": "Asia/Macau",
	"台湾": "Asia/Taipei", "臺灣": "Asia/Taipei", "taiwan": "Asia/Taipei",
	"日本": "Asia/Tokyo", "japan": "Asia/Tokyo",
	"韩国": "Asia/Seoul", "korea": "Asia/Seoul", "south korea": "Asia/Seoul",
	"新加坡": "Asia/Singapore", "singapore": "Asia/Singapore",
	"印度": "Asia/Kolkata", "india": "Asia/Kolkata",
	"泰国": "Asia/Bangkok", "thailand": "Asia/Bangkok",
	"越南": "Asia/Ho_Chi_Minh", "vietnam": "Asia/Ho_Chi_Minh", "viet nam": "Asia/Ho_Chi_Minh",
	"马来西亚": "Asia/Kuala_Lumpur", "malaysia": "Asia/Kuala_Lumpur",
	"菲律宾": "Asia/Manila", "philippines": "Asia/Manila",
	"德国": "Europe/Berlin", "germany": "Europe/Berlin", "deutschland": "Europe/Berlin",
	"法国": "Europe/Paris", "france": "Europe/Paris",
	"英国": "Europe/London", "united kingdom": "Europe/London", "uk": "Europe/London",
	"意大利": "Europe/Rome", "italy": "Europe/Rome",
	"西班牙": "Europe/Madrid", "spain": "Europe/Madrid",
	"荷兰": "Europe/Amsterdam", "netherlands": "Europe/Amsterdam",
	"瑞士": "Europe/Zurich", "switzerland": "Europe/Zurich",
	"波兰": "Europe/Warsaw", "poland": "Europe/Warsaw",
	"新西兰": "Pacific/Auckland", "new zealand": "Pacific/Auckland",
	"阿联酋": "Asia/Dubai", "united arab emirates": "Asia/Dubai", "uae": "Asia/Dubai",
	// Cities of countries with several zones.
	"new york": "America/New_York", "纽约": "America/New_York",
	"chicago": "America/Chicago", "芝加哥": "America/Chicago",
	"denver": "America/Denver", "los angeles": "America/Los_Angeles", "洛杉矶": "America/Los_Angeles",
	"san francisco": "America/Los_Angeles", "旧金山": "America/Los_Angeles", "seattle": "America/Los_Angeles",
	"sydney": "Australia/Sydney", "悉尼": "Australia/Sydney", "melbourne": "Australia/Melbourne",
	"perth": "Australia/Perth", "toronto": "America/Toronto", "vancouver": "America/Vancouver",
	"moscow": "Europe/Moscow", "莫斯科": "Europe/Moscow",
}

// locationZone is the zone of a device's recorded location and the place
// it came from ("" when the record names no place this table knows).
func locationZone(info models.DeviceInfo) (zone, place string) {
	for _, p := range []string{info.City, info.Province, info.Country} {
		key := strings.ToLower(strings.TrimSpace(p))
		key = strings.TrimSuffix(strings.TrimSuffix(key, "市"), "省")
		if z, ok := placeZones[key]; ok {
			if _, err := models.LoadZone(z); err == nil {
				return z, strings.TrimSpace(p)
			}
		}
	}
	return "", ""
}
