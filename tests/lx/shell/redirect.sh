# Redirections and here-documents.
echo "to null" > /dev/null
ls data/missing 2>/dev/null || echo "ls failed quietly"
ls data/missing 2>&1 | wc -l
exec 3>&1
echo "through fd 3" >&3
exec 3>&-
echo "to stderr" >&2
read first rest < data/lines.txt; echo "read: $first / $rest"
while read a b; do echo "[$a]"; done < data/lines.txt | head -n 3
cat <<END
here document: $((1 + 2)) and $(echo substituted)
END
cat <<'END'
quoted: $not $(expanded)
END
tr a-z A-Z <<END | rev
  indented lines
stay as they are
END
cat < data/dir/a data/dir/b
