-- One explanation the office records; the latest per file, rule and indicator is the one in force.
insert into explanations values ($sha256, $file_name, $rule, $indicator_code, $reason, $recorded_at);
