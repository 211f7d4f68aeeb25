/**
 * Template snippets for the differential test against promtool
 * (src/alerting/template/promtool-differential.test.ts):
 * each runs as an annotation of an alert whose sample gives `$value` and `$labels`. `expect` is
 * written by hand where the value matters most; the rest are whatever mcpulse prints, which promtool
 * must then print too. PARSE_ERROR_CASES make a rule file invalid, so they are checked through
 * `promtool check rules` instead.
 */

export interface DataSet {
  /** Series-notation value of the sample at t=0 (`NaN`, `Inf`, `-Inf` allowed). */
  readonly value: string;
  readonly labels: Readonly<Record<string, string>>;
}

export const DATA_SETS: Readonly<Record<string, DataSet>> = {
  big: { value: '1234567', labels: { job: 'api', instance: 'host-1.example.com:9090', path: '/api/v1' } },
  zero: { value: '0', labels: { job: 'z', instance: '10.0.0.1:80' } },
  small: { value: '0.000123', labels: { job: 's', instance: '[::1]:9100' } },
  nan: { value: 'NaN', labels: { job: 'n' } },
  inf: { value: 'Inf', labels: { job: 'i' } },
  neginf: { value: '-Inf', labels: { job: 'i' } },
  days: { value: '259205', labels: { job: 'd' } },
  ninety: { value: '90', labels: { job: 'd' } },
  half: { value: '0.5', labels: { job: 'h' } },
  ratio: { value: '0.1234', labels: { job: 'r' } },
  pi: { value: '3.14159265', labels: { job: 'p', msg: '<b>"Tom" & \'Jerry\'</b> = 1' } },
  negative: { value: '-1234.5', labels: { job: 'neg' } },
  bytes: { value: '123456789', labels: { job: 'b' } },
  stamp: { value: '1700000000.123', labels: { job: 't' } },
  huge: { value: '1e+21', labels: { job: 'huge' } },
};

export interface TemplateCase {
  readonly data: keyof typeof DATA_SETS;
  readonly template: string;
  readonly expect?: string;
}

const c = (data: string, template: string, expect?: string): TemplateCase => ({ data, template, expect });

export const CASES: readonly TemplateCase[] = [
  // humanize and friends
  c('big', '{{ $value | humanize }}', '1.235M'),
  c('zero', '{{ humanize $value }}', '0'),
  c('small', '{{ humanize $value }}', '123u'),
  c('nan', '{{ humanize $value }}', 'NaN'),
  c('inf', '{{ humanize $value }}', '+Inf'),
  c('neginf', '{{ humanize $value }}', '-Inf'),
  c('negative', '{{ humanize $value }}', '-1.234k'),
  c('huge', '{{ humanize $value }} {{ humanize 1e30 }} {{ humanize 1e-30 }}'),
  c('big', '{{ humanize 1000 }} {{ humanize 999.99999 }} {{ humanize "2.5e6" }}'),
  c('bytes', '{{ humanize1024 $value }}', '117.7Mi'),
  c(
    'zero',
    '{{ humanize1024 $value }} {{ humanize1024 1 }} {{ humanize1024 1025 }} {{ humanize1024 -3000 }}',
  ),
  c('half', '{{ humanizeDuration $value }}', '500ms'),
  c('ninety', '{{ humanizeDuration $value }}', '1m 30s'),
  c('days', '{{ humanizeDuration $value }}', '3d 0h 0m 5s'),
  c('zero', '{{ humanizeDuration $value }}', '0s'),
  c('small', '{{ humanizeDuration $value }}', '123us'),
  c('negative', '{{ humanizeDuration $value }}', '-20m 34s'),
  c('pi', '{{ humanizeDuration $value }} {{ humanizeDuration 3600 }} {{ humanizeDuration 59.99 }}'),
  c('nan', '{{ humanizeDuration $value }}', 'NaN'),
  c('ratio', '{{ humanizePercentage $value }}', '12.34%'),
  c(
    'half',
    '{{ humanizePercentage $value }} {{ humanizePercentage 1 }} {{ humanizePercentage 0.000012345 }}',
  ),
  c('stamp', '{{ humanizeTimestamp $value }}'),
  c('zero', '{{ humanizeTimestamp $value }} {{ humanizeTimestamp 1.5 }}'),
  c('nan', '{{ humanizeTimestamp $value }}', 'NaN'),
  c('stamp', '{{ (toTime $value).Unix }} {{ toTime 86400 }}'),
  // printf and the fmt verbs
  c('pi', '{{ printf "%.2f" $value }}', '3.14'),
  c(
    'pi',
    '{{ printf "%s|%d|%f|%.3f|%g|%e|%v|%q|%x|%%" "s" 42 $value $value $value $value $value "q\\"" "hi" }}',
  ),
  c(
    'pi',
    '{{ printf "[%8.3f][%-8.2f][%08.3f][%+d][% d][%5s][%-5s|][%05d][%x][%X][%o][%b]" $value $value $value 5 7 "ab" "cd" -42 255 255 8 5 }}',
  ),
  c('big', '{{ printf "%v %v %v %v" $value 100000.0 0.0001 0.00001 }}', '1.234567e+06 100000 0.0001 1e-05'),
  c('big', '{{ printf "%.0f %.0f %.0f %.1f %.1f" 0.5 1.5 2.5 0.25 0.35 }}', '0 2 2 0.2 0.3'),
  c('big', '{{ printf "%d %s" "str" 5 }}', '%!d(string=str) %!s(int=5)'),
  c(
    'big',
    '{{ printf "%d" }} {{ printf "%d" 1 2 }} {{ printf "%z" 3 }}',
    '%!d(MISSING) 1%!(EXTRA int=2) %!z(int=3)',
  ),
  c('big', '{{ printf "%t %v %T %T %T" true false 1 1.5 $labels }}'),
  c('big', '{{ printf "%6.2e|%G|%.3g|%g" 123456.789 1e-7 1234567.0 100000000.0 }}'),
  c('big', '{{ printf "%c%c %q %U" 72 105 65 8364 }}'),
  c('big', '{{ printf "%*d|%-*d|%.*f" 5 42 4 7 2 3.14159 }}'),
  c('big', '{{ print 1 2 "a" "b" 3 }}|{{ println "x" 1 }}|{{ print }}'),
  // variables, fields, maps
  c(
    'big',
    '{{ $labels.instance }} {{ .Labels.job }} {{ $labels.missing }}|',
    'host-1.example.com:9090 api |',
  ),
  c('big', '{{ $value }} {{ .Value }}', '1.234567e+06 1.234567e+06'),
  c('big', '{{ $externalLabels.cluster }} {{ $externalURL }} {{ .ExternalURL }}'),
  c('big', '{{ $x := 1 }}{{ $x }}{{ $x = "two" }}{{ $x }}{{ $y := $labels.job }}{{ $y }}', '1twoapi'),
  c('big', '{{ index $labels "job" }} {{ index .Labels "nope" }}|{{ len $labels }} {{ len "héllo" }}'),
  c('big', '{{ . }}'),
  c('big', '{{ $ }}'),
  // control structures
  c(
    'big',
    '{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}',
    '__name__=tmpl_case;instance=host-1.example.com:9090;job=api;path=/api/v1;set=big;',
  ),
  c('big', '{{ range $labels }}{{ . }},{{ end }}'),
  c(
    'big',
    '{{ range $i, $e := query "tmpl_case{job=\\"api\\"}" }}{{ $i }}:{{ $e.Labels.job }}={{ $e.Value }}{{ end }}',
  ),
  c('big', '{{ range $k, $v := $labels }}{{ if eq $k "job" }}{{ break }}{{ end }}{{ $k }} {{ end }}'),
  c(
    'big',
    '{{ range $k, $v := $labels }}{{ if ne $k "job" }}{{ continue }}{{ end }}{{ $v }}{{ end }}',
    'api',
  ),
  c('big', '{{ range $externalLabels.nothing }}x{{ else }}empty{{ end }}'),
  c('big', '{{ if gt $value 1000.0 }}high{{ else if gt $value 10.0 }}mid{{ else }}low{{ end }}', 'high'),
  c('ninety', '{{ if gt $value 1000.0 }}high{{ else if gt $value 10.0 }}mid{{ else }}low{{ end }}', 'mid'),
  c('zero', '{{ if $value }}true{{ else }}false{{ end }} {{ if $labels.job }}set{{ end }}', 'false set'),
  c(
    'big',
    '{{ if eq $labels.job "api" "web" }}one of{{ end }} {{ if eq .Labels.job "web" }}web{{ else }}not web{{ end }}',
    'one of not web',
  ),
  c(
    'big',
    '{{ with $labels.instance }}{{ . | stripPort }}{{ end }}{{ with $labels.none }}x{{ else }}-{{ end }}',
    'host-1.example.com-',
  ),
  c('big', '  a  {{- " b " -}}  c  {{- /* a comment */ -}}  d {{/* another */}} e', '  a b cd  e'),
  c('big', 'line1\n  {{- "x" }}\n{{- "y" -}}\n\nz'),
  c('big', '{{ and 1 0 "x" }} {{ and 1 2 }} {{ or 0 "" "z" }} {{ or 0 false }} {{ not 0 }} {{ not "a" }}'),
  c('big', '{{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1.5 2.5 }} {{ ne "a" "b" }} {{ eq 1 1 }}'),
  c(
    'big',
    '{{ 1 }} {{ 1.0 }} {{ 1e3 }} {{ 0x1F }} {{ -7 }} {{ \'a\' }} {{ "x" }} {{ `raw\\n` }} {{ true }} {{ 010 }}',
  ),
  // strings, regexes and links
  c(
    'big',
    '{{ toUpper "abc" }} {{ toLower "ÀBC" }} {{ title "hello wide-world foo_bar" }}',
    'ABC àbc Hello Wide-World Foo_bar',
  ),
  c('big', '{{ match "^api$" $labels.job }} {{ match "x+" "yyy" }}', 'true false'),
  c('big', '{{ reReplaceAll "(.*):.*" "$1" $labels.instance }}', 'host-1.example.com'),
  c(
    'big',
    '{{ reReplaceAll "a*" "-" "baaac" }} {{ reReplaceAll "(?P<h>[a-z]+)-(\\\\d)" "${h}_$2" "host-1" }} {{ reReplaceAll "o" "$$" "foo" }}',
  ),
  c(
    'big',
    '{{ stripPort "host:9090" }} {{ stripPort "[::1]:80" }} {{ stripPort "nohost" }} {{ stripDomain $labels.instance }} {{ stripDomain "10.0.0.1:80" }} {{ stripDomain "a.b.c" }}',
    'host ::1 nohost host-1:9090 10.0.0.1:80 a',
  ),
  c('big', '{{ graphLink "rate(x[5m]) > 1" }} {{ tableLink "up{job=\\"a b\\"}" }}'),
  c('pi', '{{ html $labels.msg }}|{{ js $labels.msg }}|{{ urlquery $labels.msg }}|{{ safeHtml "<b>" }}'),
  c('big', '{{ html 1 2 }} {{ urlquery "a/b?c=d&e" }} {{ js "é\\t" }}'),
  c(
    'big',
    '{{ parseDuration "1h30m" }} {{ parseDuration "90s" | humanizeDuration }} {{ parseDuration "1ms" }}',
    '5400 1m 30s 0.001',
  ),
  c(
    'big',
    '{{ (args 1 "two" 3.5).arg1 }} {{ args 1 "x" }} {{ (args).arg0 }}',
    'two map[arg0:1 arg1:x] <no value>',
  ),
  // query and its helpers
  c(
    'big',
    '{{ with query "sum(tmpl_case{set=~\\"big|days\\"})" }}{{ . | first | value | humanize }}{{ end }}',
  ),
  c(
    'big',
    '{{ range query "tmpl_case{set=~\\"zero|days|pi\\"}" | sortByLabel "set" }}{{ label "set" . }} {{ end }}',
  ),
  c(
    'big',
    '{{ with first (query "tmpl_case{set=\\"pi\\"}") }}{{ .Value }} {{ .Labels.job }} {{ strvalue . }}|{{ end }}',
  ),
  c('big', '{{ len (query "tmpl_case") }} {{ (query "scalar(tmpl_case{set=\\"ninety\\"})" | first).Value }}'),
  // more of what rule files do
  c(
    'big',
    '{{ .Value | printf "%.2f" }} {{ $value | printf "%.3e" }} {{ "a" | printf "%s-%s" "b" }}',
    '1234567.00 1.235e+06 b-a',
  ),
  c('big', '{{ printf "%s" $value }} {{ printf "%5.1f%%" 12.345 }} {{ printf "%v" $externalLabels }}'),
  c(
    'bytes',
    '{{ $value | humanize1024 }}B {{ humanize -0.000001 }} {{ humanize 0.1 }} {{ humanizeDuration 1e-10 }}',
  ),
  c(
    'big',
    '{{ if and (gt $value 1.0) (lt $value 1e9) }}in range{{ end }} {{ len (index $labels "job") }}',
    'in range 3',
  ),
  c('big', '{{ slice "abcdef" 1 3 }} {{ slice "abc" 1 }} {{ index (args "a" "b") "arg1" }}', 'bc bc b'),
  c('big', '{{ stripDomain "[::1]:80" }} {{ stripDomain "host.example.com" }} {{ stripPort "a:b:c" }}'),
  c(
    'big',
    '{{ $labels.instance | reReplaceAll ":.*" "" }} {{ reReplaceAll "^" ">" "ab" }} {{ reReplaceAll "" "-" "ab" }}',
  ),
  c(
    'big',
    '{{ range $i, $c := $labels }}{{ if $i }}{{ end }}{{ end }}done {{ range $x := $labels }}{{ $x }}{{ end }}',
  ),
  c(
    'big',
    '{{ with $x := $labels.job }}{{ $x }}{{ . }}{{ end }} {{ $labels.job | len | printf "%03d" }}',
    'apiapi 003',
  ),

  c('big', '{{ printf "%x %X %e" 3.5 -1.0 0.0 }}'),
  c('big', '{{ printf "%v" (query "tmpl_case{set=\\"pi\\"}") | len }}'),
  c('big', '{{ printf "%+v|%#v" 1.5 "s" }}'),
  c('big', '{{ printf "%8.3s|%-8q|%08.3f|%+.2e|% .3g" "abcdef" "x" -3.14159 12345.678 0.00012345 }}'),
  c('big', '{{ printf "%#x %#o %#q %x" 255 8 "a`b" "héllo" }}'),
  c('big', '{{ printf "%6.2f%%" 99.5 }} {{ printf "%d items" (len $labels) }}'),
  c('big', '{{ print nil }} {{ printf "%v %d" nil nil }} {{ print 1.0 2 "x" 3.5 }}'),
  c('big', '{{ println }}|{{ println 1 2 }}'),
  c('big', '{{ print (args 1 2.5 "x" true) }}'),
  c('big', '{{ eq "a" "a" "b" }} {{ eq 1 2 3 1 }} {{ ne 1 2 }} {{ eq true true }}'),
  c('big', '{{ not nil }} {{ and }}'),
  c('big', '{{ index $labels }} {{ index "abc" 0 }} {{ index (args 1 2) "arg0" }}'),
  c('big', '{{ len "" }} {{ len (args) }} {{ len 5 }}'),
  c('big', '{{ $labels.job.x.y }}'),
  c('big', '{{ .Labels.job "x" }}'),
  c('big', '{{ $value.x }}'),
  c('big', '{{ (args 1).arg0.x }}'),
  c(
    'big',
    '{{ with query "tmpl_case{set=\\"pi\\"}" }}{{ (index . 0).Labels.job }} {{ (index . 0).Value }} {{ index . 0 }}{{ end }}',
  ),
  c('big', '{{ first (query "tmpl_case{set=\\"pi\\"}") }}'),
  c(
    'big',
    '{{ humanize 1e-50 }} {{ humanize -1e50 }} {{ humanize1024 1e30 }} {{ humanizeDuration -0.5 }} {{ humanizeDuration 1e20 }}',
  ),
  c(
    'big',
    '{{ humanizePercentage "0.5" }} {{ humanize "Inf" }} {{ humanize "-inf" }} {{ humanize "nan" }} {{ humanize "0x10p0" }} {{ humanize "1e400" }}',
  ),
  c('big', '{{ humanizeTimestamp 1e20 }}'),
  c(
    'big',
    '{{ humanizeTimestamp -1.5 }} {{ toTime 1.999 }} {{ (toTime 1700000000).Format "2006-01-02T15:04:05Z07:00 Mon Jan _2 3PM .000" }}',
  ),
  c('big', '{{ title "ßa élan o\'neil x.y" }} {{ toUpper "ßé" }} {{ toLower "İ" }}'),
  c('big', '{{ match "(?i)API" $labels.job }} {{ match "(?<n>a)" "a" }}'),
  c(
    'big',
    '{{ reReplaceAll "(a)" "$1x" "aa" }} {{ reReplaceAll "(a)" "${1}x" "aa" }} {{ reReplaceAll "a|" "-" "bab" }}',
  ),
  c(
    'big',
    '{{ stripPort ":80" }} {{ stripPort "[::1]" }} {{ stripDomain "a.b:80" }} {{ stripDomain "::1" }} {{ stripDomain "[fe80::1%eth0]:80" }}',
  ),
  c('big', '{{ parseDuration "1y2w3d" }} {{ parseDuration "" }}'),
  c('big', '{{ $x := 5 }}{{ range $x = $labels }}{{ end }}{{ $x }}'),
  c('big', '{{ range $i, $e := (query "tmpl_case{set=~\\"pi|big\\"}") }}{{ $i }}{{ end }}'),
  c('big', '{{ 0x10 }} {{ 1_000 }} {{ 0b101 }} {{ 0o17 }} {{ .5 }} {{ -.5e1 }} {{ 0x1p4 }}'),
  c('big', '{{ "\\u00e9\\x41\\101" }} {{ \'\\n\' }}'),
  c('big', '{{ html "<\\x00>" }} {{ js "\\u2028 <>" }}'),
  c('big', '{{ urlquery "é ~" 1 }} {{ urlquery }}'),
  c(
    'big',
    '{{ printf "%s" (safeHtml "<b>") }} {{ safeHtml "<b>" | printf "%q" }} {{ toUpper (safeHtml "x") }}',
  ),
  c('big', '{{ slice "abc" 2 1 }}'),
  c('big', '{{ slice "abc" 1 5 }}'),
  c('big', '{{ lt 1 1.5 }}'),
  c('big', '{{ eq $labels $labels }}'),
  c('big', '{{ printf "%d" 1e3 }} {{ printf "%d" 1.5 }}'),
  c('big', '{{ printf "%!" }} {{ printf "%" }} {{ printf "%-05d|" 3 }} {{ printf "%[1]d" 5 }}'),
  c(
    'big',
    '{{ printf "%[2]s %[1]s %s" "a" "b" }} {{ printf "%[3]d|%[x]d|%[0]d" 1 }} {{ printf "%[2]*[1]d" 7 4 }}',
  ),
  // named templates
  c(
    'big',
    '{{ define "x" }}[{{ . }}]{{ end }}{{ template "x" $labels.job }}{{ template "x" }}',
    '[api][<no value>]',
  ),
  c('big', '{{ block "b" $value }}<{{ . | humanize }}>{{ end }}|{{ template "b" 0.001 }}', '<1.235M>|<1m>'),
  c('big', '{{ template "nope" }}'),
  c('big', '{{ define "e" }}{{ index "a" 5 }}{{ end }}{{ template "e" }}'),
  c('big', '{{ define "l" }}{{ range $k, $v := . }}{{ $k }} {{ end }}{{ end }}{{ template "l" $labels }}'),
  // errors at execution: Prometheus's <error expanding template: ...> text
  c(
    'big',
    '{{ index "abc" 5 }}',
    '<error expanding template: error executing template __alert_T_big: template: __alert_T_big:1:115: executing "__alert_T_big" at <index "abc" 5>: error calling index: index out of range: 5>',
  ),
  c('big', 'text\n{{ index $labels 1 }}'),
  c(
    'big',
    '{{ eq $value 1 }}',
    '<error expanding template: error executing template __alert_T_big: template: __alert_T_big:1:115: executing "__alert_T_big" at <eq $value 1>: error calling eq: incompatible types for comparison>',
  ),
  c('big', '{{ toUpper $value }}'),
  c('big', '{{ $value | toUpper }}'),
  c('big', '{{ .Nope }}'),
  c('big', '{{ $labels.job.sub }}'),
  c('big', '{{ len $value }}'),
  c('big', '{{ range 5 }}x{{ end }}'),
  c('big', '{{ nil }}'),
  c('big', '{{ humanize "abc" }}'),
  c('big', '{{ humanize true }}'),
  c('big', '{{ first (query "absent_metric") }}'),
  c('big', '{{ reReplaceAll "(" "x" "y" }}'),
  c('big', '{{ match "a**" "y" }}'),
  c('big', '{{ parseDuration "5x" }}'),
  c('nan', '{{ toTime $value }}'),
  c('big', '{{ externalURL }}'),
  c('big', '{{ pathPrefix }}'),
  c('big', '{{ toUpper 5 }}'),
  c('big', '{{ printf 5 }}'),
  c('big', '{{ lt "a" 1 }}'),
  c('big', '{{ lt true false }}'),
  c('big', '{{ 1 2 }}'),
  c('big', '{{ humanize }}'),
  c('big', '{{ label "x" nil }}'),
  c('big', '{{ call $value 1 }}'),
  c('big', '{{ call nil }}'),
];

/** Templates that do not parse: promtool check rules must refuse them with these messages. */
export const PARSE_ERROR_CASES: readonly string[] = [
  '{{ foo }}',
  '{{ if }}',
  '{{ $x }}',
  '{{ end }}',
  '{{ else }}',
  '{{ if true }}x',
  '{{ range . }}{{ else }}{{ else }}{{ end }}',
  '{{ "a" | "b" }}',
  '{{ printf "%d" | 1 }}',
  '{{ ) }}',
  '{{ ( }}',
  '{{ "abc }}',
  '{{ `abc }}',
  '{{ /* x }}',
  '{{/* x */ }}',
  '{{ break }}',
  '{{ 3x }}',
  '{{ .Labels. }}',
  '{{ }}',
  '{{ $x := }}',
  '{{ range $a, $b, $c := . }}{{ end }}',
  '{{ $a, $b := 1 }}',
  '{{ 1.x }}',
  '{{ "a".x }}',
  '{{ @ }}',
  '{{ 99999999999999999999 }}',
  'first line\nsecond {{ nope }}',
  '{{ "\\q" }}',
  '{{ if 1 }}{{ with 2 }}',
  '{{ index . 1 }',
  '{{ 1e400 }}',
  '{{ define "v" }}{{ $labels }}{{ end }}',
  '{{ if 1 }}{{ define "x" }}{{ end }}{{ end }}',
  '{{ template 1 }}',
  '{{ define "a" }}x{{ end }}{{ define "a" }}y{{ end }}',
  '{{ define "a" }}x{{ else }}y{{ end }}',
  '{{ block "b" }}x{{ end }}',
  '{{ define "a" }}',
];
