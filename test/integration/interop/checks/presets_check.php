<?php
// Reads {"items": [{system, password, hash, cost?, algorithm?}]} as JSON on stdin; answers, per item,
// what PHP itself says of a hash gatehouse wrote in coexistence mode (valid / wrong / rehash).
//   php:       password_verify, password_needs_rehash($hash, <algorithm>, ['cost' => cost])
//   wordpress: WordPress 6.8's rule for `$wp` hashes, after wp_authenticate's trim(): password_verify
//              of base64(HMAC-SHA384(key 'wp-sha384', password)) against the hash without `$wp`;
//              wp_password_needs_rehash(): password_needs_rehash of the unprefixed bcrypt.

function wordpress_check(string $password, string $hash): bool
{
    $password = trim($password);
    if (!str_starts_with($hash, '$wp')) {
        return false;
    }
    $password_to_verify = base64_encode(hash_hmac('sha384', $password, 'wp-sha384', true));
    return password_verify($password_to_verify, substr($hash, 3));
}

$algorithms = ['bcrypt' => PASSWORD_BCRYPT, 'argon2id' => PASSWORD_ARGON2ID, 'argon2i' => PASSWORD_ARGON2I];
$results = [];
foreach (json_decode(file_get_contents('php://stdin'), true)['items'] as $item) {
    $hash = $item['hash'];
    $password = $item['password'];
    $options = isset($item['cost']) ? ['cost' => $item['cost']] : [];
    if ($item['system'] === 'wordpress') {
        $results[] = [
            'valid' => wordpress_check($password, $hash),
            'wrong' => wordpress_check('y' . $password, $hash),
            'rehash' => !str_starts_with($hash, '$wp') || password_needs_rehash(substr($hash, 3), PASSWORD_BCRYPT, $options),
        ];
    } else {
        $results[] = [
            'valid' => password_verify($password, $hash),
            'wrong' => password_verify('y' . $password, $hash),
            'rehash' => password_needs_rehash($hash, $algorithms[$item['algorithm'] ?? 'bcrypt'], $options),
        ];
    }
}
echo json_encode($results);
